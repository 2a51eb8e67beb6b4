#!/usr/bin/env python3
"""A stand-in for the operator's curl wrapper, as strict as the narrowest real one: it accepts
exactly the arguments the original seshis.py passed,

    curl_device_manager.sh -s -X GET "<URL>" -H "accept: application/json" \
        -H "Content-Type: application/json"

adds the credentials (FAKE_CURL_TOKEN) and prints the response body on standard output, as
`curl -s` does (whatever the HTTP status); a connection failure is curl's exit 7 with nothing
printed. Any other argument shape is refused with exit 2, as a wrapper that does not forward
curl's options would fail."""

import os
import sys
import urllib.error
import urllib.request

args = sys.argv[1:]
headers = ["-H", "accept: application/json", "-H", "Content-Type: application/json"]
if len(args) != 8 or args[:3] != ["-s", "-X", "GET"] or args[4:] != headers:
    sys.stderr.write(f"usage: {sys.argv[0]} -s -X GET URL -H ... -H ... (got {args})\n")
    sys.exit(2)
request = urllib.request.Request(args[3])
request.add_header("accept", "application/json")
request.add_header("Authorization", "Bearer " + os.environ["FAKE_CURL_TOKEN"])
try:
    body = urllib.request.urlopen(request, timeout=60).read()
except urllib.error.HTTPError as err:
    body = err.read()  # curl -s prints the error page too
except (urllib.error.URLError, OSError):
    sys.exit(7)
sys.stdout.buffer.write(body)
