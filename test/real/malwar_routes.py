"""What Malwar's HTTP server serves, read from its source with Python's own parser.

argv[1]: the unpacked wheel's folder (malwar/ and malwar-<version>.dist-info/).
Prints JSON: every route path a decorator, include_router prefix, mount or add_route names; the
modules the package imports; and the wheel's Requires-Dist lines. Nothing is imported or run.
"""
import ast
import json
import pathlib
import sys

ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "route", "websocket"}
PATH_CALLS = {"mount", "add_route", "add_api_route", "add_websocket_route"}

root = pathlib.Path(sys.argv[1])
routes, prefixes, mounts, imports = set(), set(), set(), set()


def first_string(call):
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for keyword in call.keywords:
        if keyword.arg == "path" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


for source in sorted((root / "malwar").rglob("*.py")):
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imports.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name == "include_router":
                for keyword in node.keywords:
                    if keyword.arg == "prefix" and isinstance(keyword.value, ast.Constant):
                        prefixes.add(keyword.value.value)
            elif name in PATH_CALLS and first_string(node) is not None:
                mounts.add(first_string(node))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr in ROUTE_DECORATORS:
                    path = first_string(decorator)
                    if path is not None:
                        routes.add(path)

metadata = next(root.glob("malwar-*.dist-info")) / "METADATA"
requires = [line.split(":", 1)[1].strip() for line in metadata.read_text(encoding="utf-8").splitlines() if line.startswith("Requires-Dist:")]
print(json.dumps({"routes": sorted(routes), "prefixes": sorted(prefixes), "mounts": sorted(mounts), "imports": sorted(imports), "requires": requires}))
