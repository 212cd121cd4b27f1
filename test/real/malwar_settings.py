"""Loads the MALWAR_* environment a test passes through Malwar's own settings class.

Usage: python malwar_settings.py <path of malwar/core/config.py> < env.json
env.json is {"NAME": "value", ...}. Prints one JSON document:
  {"fields": [every settings field], "unknown": [names the class has no field for],
   "settings": {field: value as Malwar reads it} or null, "error": message or null}
config.py is loaded by file path: the package's __init__ imports the whole application.
"""
import importlib.util
import json
import os
import sys
import tempfile

spec = importlib.util.spec_from_file_location("malwar_settings_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
Settings = module.Settings
prefix = Settings.model_config["env_prefix"]

env = json.load(sys.stdin)
for name in [n for n in os.environ if n.upper().startswith(prefix)]:
    del os.environ[name]
os.environ.update(env)
# Settings also reads a .env file from the working directory: run where there is none.
os.chdir(tempfile.mkdtemp())

fields = sorted(Settings.model_fields)
known = {prefix + f.upper() for f in fields}
result = {"prefix": prefix, "fields": fields, "unknown": sorted(n for n in env if n.upper() not in known), "settings": None, "error": None}
try:
    result["settings"] = Settings().model_dump(mode="json")
except Exception as error:  # pydantic_settings.SettingsError or pydantic.ValidationError: start-up would fail
    result["error"] = f"{type(error).__name__}: {error}"
print(json.dumps(result))
