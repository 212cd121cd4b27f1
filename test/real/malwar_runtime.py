"""Malwar 0.4.0's own code on an environment a test renders: the notification channels its router
registers (with the verdicts each takes), and where its URL crawler's requests go.

Also the scan pipeline's LLM cost control: which layers run on a harmless skill (risk score 0),
with the pipeline's own default layers ("layers": null, as a scheduled scan without layers) or
the list an API request sends by default ("layers": [the four]).

And the API as the image serves it (uvicorn's app for the image's entry point, with uvicorn's
defaults: proxy headers trusted from FORWARDED_ALLOW_IPS or 127.0.0.1 and ::1), asked in order
from the given client addresses: the status of each request, for the rate limits.

Usage: python malwar_runtime.py < job.json,
  job = {"env": {NAME: value}, "crawl": [url, ...], "pipeline": null | {"layers": null | [name, ...]},
         "requests": [{"client": address, "path": path, "headers": {name: value}}, ...]}.
Prints {"channels": [{"channel", "verdicts"}], "crawled": [{"url", "status", "error"}],
  "pipeline": {"risk": score, "executed": [layer, ...]} or null, "statuses": [status, ...]}.
Runs with the malwar-app venv (scripts/malwar-app.sh), which has Malwar's dependencies.
"""
import asyncio
import json
import os
import sys
import tempfile

job = json.load(sys.stdin)
for name in list(os.environ):
    # ANTHROPIC_*: the LLM layer would find credentials of this machine's.
    if name.upper().startswith(("MALWAR_", "ANTHROPIC_")) or name.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        del os.environ[name]
os.environ.update(job["env"])
# Settings also reads a .env file from the working directory: run where there is none.
os.chdir(tempfile.mkdtemp())

from malwar.core.config import Settings  # noqa: E402
from malwar.detectors.url_crawler.fetcher import SafeFetcher  # noqa: E402
from malwar.detectors.llm_analyzer.detector import LlmAnalyzerDetector  # noqa: E402
from malwar.detectors.rule_engine.detector import RuleEngineDetector  # noqa: E402
from malwar.notifications.factory import build_router  # noqa: E402
from malwar.parsers.skill_parser import parse_skill_content  # noqa: E402
from malwar.scanner.pipeline import ScanPipeline  # noqa: E402

router = build_router(Settings())
channels = sorted(({"channel": e.channel.name, "verdicts": sorted(e.verdicts)} for e in router._entries), key=lambda c: c["channel"])


async def crawl():
    # As the URL crawler detector builds its fetcher (malwar/detectors/url_crawler/detector.py).
    results = await SafeFetcher().fetch_urls(job["crawl"])
    return [{"url": r.url, "status": r.status_code, "error": r.error} for r in results]


async def pipeline(layers):
    # As the API builds its pipeline (malwar/api/routes/scan.py), without the network's layers.
    # No Anthropic key: the LLM layer then finds nothing, but still counts as run.
    settings = Settings()
    scan = ScanPipeline(settings=settings)
    scan.register_detector(RuleEngineDetector())
    scan.register_detector(LlmAnalyzerDetector(settings=settings))
    skill = parse_skill_content("---\nname: hello\ndescription: Says hello.\n---\n# Hello\nGreet the user by name.\n", file_path="SKILL.md")
    result = await scan.scan(skill, layers=layers)
    return {"risk": result.risk_score, "executed": [str(layer) for layer in result.layers_executed]}


async def ask(requests):
    import httpx
    import uvicorn

    # The image's ENTRYPOINT: uvicorn malwar.api.app:create_app --factory (Ap6pack/malwar v0.4.0).
    config = uvicorn.Config("malwar.api.app:create_app", factory=True)
    config.load()
    statuses = []
    for request in requests:
        transport = httpx.ASGITransport(app=config.loaded_app, client=(request["client"], 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://malwar:8000") as client:
            statuses.append((await client.get(request["path"], headers=request.get("headers", {}))).status_code)
    return statuses


print(json.dumps({
    "channels": channels,
    "crawled": asyncio.run(crawl()) if job["crawl"] else [],
    "pipeline": asyncio.run(pipeline(job["pipeline"]["layers"])) if job.get("pipeline") else None,
    "statuses": asyncio.run(ask(job["requests"])) if job.get("requests") else [],
}))
