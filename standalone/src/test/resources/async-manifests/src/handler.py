import json
import time
import urllib.request


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read()
        return json.loads(answer) if answer else {}


def worker(event, context):
    """Asks the test what to do with this attempt (event["control"] is its URL): fail, sleep, or succeed."""
    answer = post(event["control"] + "/attempt", {"requestId": context.aws_request_id, "event": event})
    if answer.get("sleepMs"):
        time.sleep(answer["sleepMs"] / 1000)
    if answer.get("fail"):
        raise RuntimeError(answer["fail"])
    return {"done": event.get("id")}


def collector(event, context):
    """A destination function: hands the invocation record it got back to the test."""
    post(event["requestPayload"]["control"] + "/destination/function", event)
    return {}
