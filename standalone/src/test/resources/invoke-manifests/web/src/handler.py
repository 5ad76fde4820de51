import base64
import json


def handler(event, context):
    """Answers function URL requests in each of the shapes a function may use, by path."""
    if "elb" in event.get("requestContext", {}):
        return {"statusCode": 200, "statusDescription": "200 OK", "isBase64Encoded": False,
                "multiValueHeaders": {"Content-Type": ["application/json"], "X-Seen": ["a", "b"]},
                "body": json.dumps(event)}
    path = event.get("rawPath")
    if path == "/plain":
        return {"hello": "world"}
    if path == "/string":
        return "Hello"
    if path == "/binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True}
    if path == "/fail":
        raise ValueError("nope")
    return {"statusCode": 201, "cookies": ["a=1", "b=2; Path=/"], "body": json.dumps(event),
            "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": "https://replaced"}}
