module github.com/example/security-scanning-platform/tools/clair-config-check

go 1.22.0

require (
	github.com/quay/clair/config v1.4.1
	gopkg.in/yaml.v3 v3.0.1
)
