#!/usr/bin/env python3
"""A stand-in for the operator's curl wrapper: takes curl's arguments, adds the credentials.

Understands the arguments seshis passes: -sS, --max-time S, -H HEADER, -o FILE, -D FILE,
-w FORMAT (only %{http_code}) and the URL. The token comes from FAKE_CURL_TOKEN.
"""

import os
import sys
import urllib.error
import urllib.request

args = sys.argv[1:]
opts, url, i = {"-H": []}, None, 0
while i < len(args):
    a = args[i]
    if a in ("-o", "-D", "-w", "--max-time"):
        opts[a] = args[i + 1]
        i += 2
    elif a == "-H":
        opts["-H"].append(args[i + 1])
        i += 2
    elif a.startswith("-"):
        i += 1
    else:
        url = a
        i += 1
request = urllib.request.Request(url)
for header in opts["-H"]:
    name, _, value = header.partition(":")
    request.add_header(name.strip(), value.strip())
request.add_header("Authorization", "Bearer " + os.environ["FAKE_CURL_TOKEN"])
try:
    response = urllib.request.urlopen(request, timeout=float(opts.get("--max-time", 30)))
    status, headers, body = response.status, response.headers, response.read()
except urllib.error.HTTPError as err:
    status, headers, body = err.code, err.headers, err.read()
with open(opts["-o"], "wb") as fh:
    fh.write(body)
with open(opts["-D"], "w") as fh:
    fh.write(f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()))
sys.stdout.write(str(status))
