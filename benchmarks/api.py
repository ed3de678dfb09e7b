"""API throughput and latency: a real `zongjie serve` on loopback, concurrent clients, and the
in-process model call as the ceiling; also server start-to-ready time, memory per worker, the
model's file sizes and the in-process latency of classifying one paragraph.

Run: `.venv/bin/python benchmarks/api.py [--workers 2] [--clients 4 8] [--seconds 10]`
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time

import httpx
import psutil

from _common import ROOT, ensure_model, free_port, percentile, sample_paragraphs, single_latency, zongjie


async def drive(base: str, payloads: list[dict], clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def one(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                start = time.perf_counter()
                r = await client.post("/v1/classify", json=payloads[i % len(payloads)])
                latencies.append(time.perf_counter() - start)
                errors += r.status_code != 200
                i += clients
        await asyncio.gather(*(one(k) for k in range(clients)))
    return latencies, errors


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("ZJ_BODY"), "r"):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("ZJ %d %d %f %f %f %f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.duration))
end
"""


def drive_wrk(base: str, payload: dict, clients: int, seconds: float) -> tuple[float, list[float], int]:
    """wrk (C, one thread) as the load generator: requests/s, [p50, p95, p99] in s, errors."""
    import json
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        body, script = os.path.join(tmp, "body.json"), os.path.join(tmp, "post.lua")
        with open(body, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False)
        with open(script, "w") as out:
            out.write(WRK_SCRIPT)
        res = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", script,
                              f"{base}/v1/classify"], capture_output=True, text=True,
                             env=dict(os.environ, ZJ_BODY=body), check=True)
    line = next(l for l in res.stdout.splitlines() if l.startswith("ZJ "))
    n, errors, p50, p95, p99, duration = line.split()[1:]
    return int(n) / (float(duration) / 1e6), [float(p) / 1e6 for p in (p50, p95, p99)], int(errors)


def in_process(texts: list[str], batch: int, seconds: float = 3.0) -> float:
    from serving.scoring.predictor import Predictor
    from training import artifact

    models = ROOT / "models"
    predictor = Predictor(artifact.load_compiled(models, artifact.require_current(models)))
    predictor.predict(texts[:batch])
    n, start, i = 0, time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        chunk = [texts[(i + k) % len(texts)] for k in range(batch)]
        predictor.predict(chunk)
        n += batch
        i += batch
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--python-client", action="store_true", help="use httpx even if wrk is installed")
    args = parser.parse_args()
    version = ensure_model()
    texts = sample_paragraphs()
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([*zongjie(), "serve", "--port", str(port), "--workers", str(args.workers),
                             "--log-level", "warning"], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        while time.perf_counter() - started < 60:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        ready = time.perf_counter() - started
        tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
        rss = sorted((p.memory_info().rss for p in tree), reverse=True)[: args.workers]
        folder = ROOT / "models" / version
        print(f"model {version}: model.joblib {(folder / 'model.joblib').stat().st_size / 2**20:.1f} MB, "
              f"fast.npz {(folder / 'fast.npz').stat().st_size / 2**20:.1f} MB")
        print(f"server: {args.workers} workers, start to ready {ready:.2f} s, memory per worker "
              f"{', '.join(f'{r / 2**20:.0f}' for r in rss)} MB (RSS after warm-up)")
        print(f"{args.seconds} s per run; client and server share this machine\n")
        print(f"{'clients':>7} {'request':<22} {'req/s':>8} {'paragraphs/s':>13} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        ceiling = {}
        use_wrk = shutil.which("wrk") is not None and not args.python_client
        for clients in args.clients:
            for size in (1, 100):
                payloads = [{"paragraphs": [texts[(i * size + k) % len(texts)] for k in range(size)]}
                            for i in range(200)]
                asyncio.run(drive(base, payloads, clients, 1.0))  # warm up
                if use_wrk:  # one fixed body: the model's token cache makes repeats a bit cheaper
                    rps, (p50, p95, p99), errors = drive_wrk(base, payloads[0], clients, args.seconds)
                else:
                    latencies, errors = asyncio.run(drive(base, payloads, clients, args.seconds))
                    rps = len(latencies) / args.seconds
                    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
                print(f"{clients:>7} {size:>3} paragraph(s)/req   {rps:>8.0f} {rps * size:>13.0f} "
                      f"{p50 * 1e3:>8.1f} {p95 * 1e3:>8.1f} {p99 * 1e3:>8.1f} {errors:>7}")
                ceiling[size] = max(ceiling.get(size, 0), rps * size)
        print(f"(load generator: {'wrk' if use_wrk else 'httpx, in Python: it takes much of the CPU'})")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    for size in (1, 100):
        rate = in_process(texts, size)
        print(f"in-process ceiling, batches of {size:>3}: {rate:>8.0f} paragraphs/s (one core); "
              f"API reaches {ceiling[size] / rate:.0%} of it")
    print(f"in-process classify of one paragraph (each labelled paragraph once): p50 "
          f"{single_latency(texts) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
