module github.com/example/security-scanning-platform/tools/cron-check

go 1.22.0

require github.com/robfig/cron/v3 v3.0.1
