#!/usr/bin/python3
"""api_server.py: a loopback HTTP server (python3 http.server) that answers
in the shapes of the GB Carbon Intensity API and of Prometheus's
query_range, and fails on demand, for t_prometheus_intensity.

    api_server.py CUTOFF      prints "port N" once it listens on 127.0.0.1

The first path segment chooses the behaviour:
  /ok/intensity/{from}/{to}   the half-hours of [from, to): forecast 200 + i,
                              actual 190 + i where the period ends by CUTOFF
                              (unix seconds), else null (the future)
  /500/...                    HTTP 500
  /slow/...                   the /ok answer after 5 seconds
  /bad/...                    HTTP 200 with a body cut off mid-JSON
  /empty/...                  {"data": []}
  /ok/api/v1/query_range      a matrix: instance "a:9100", busy 1800 s and
                              idle 5400 s at each step from start to end
Period i counts half-hours from 2024-03-01T00:00Z.
"""
import json
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE = 1709251200  # 2024-03-01T00:00:00Z
CUTOFF = int(sys.argv[1])


def parse(ts):
    """Unix seconds of the API's '2024-03-01T00:00Z'."""
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc).timestamp())


def fmt(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def intensity(start, end):
    data = []
    for t in range(start, end, 1800):
        i = (t - BASE) // 1800
        data.append({"from": fmt(t), "to": fmt(t + 1800), "intensity": {
            "forecast": 200 + i, "actual": 190 + i if t + 1800 <= CUTOFF else None, "index": "moderate"}})
    return {"data": data}


def query_range(q):
    idle = "mode=~" in q["query"][0]
    start, end, step = (int(float(q[k][0])) for k in ("start", "end", "step"))
    values = [[t, "5400" if idle else "1800"] for t in range(start, end + 1, step)]
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"instance": "a:9100"}, "values": values}]}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        mode = parts[1]
        if parts[2:5] == ["api", "v1", "query_range"]:
            return self.send(200, json.dumps(query_range(urllib.parse.parse_qs(url.query))))
        if mode == "500":
            return self.send(500, "Internal Server Error")
        if mode == "empty":
            return self.send(200, '{"data": []}')
        body = json.dumps(intensity(parse(parts[3]), parse(parts[4])))
        if mode == "bad":
            return self.send(200, body[:len(body) // 2])
        if mode == "slow":
            time.sleep(5)
        try:
            self.send(200, body)
        except OSError:
            pass  # the client gave up


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
