import os
import time


def handler(event, context):
    """Tells the caller what it was invoked with; fails or sleeps when the event asks."""
    if isinstance(event, dict):
        if "sleepMs" in event:
            time.sleep(event["sleepMs"] / 1000)
        if "fail" in event:
            raise ValueError(event["fail"])
        if "log" in event:
            print(event["log"])
    custom = context.client_context.custom if context.client_context is not None else None
    return {
        "event": event,
        "function": context.function_name,
        "version": context.function_version,
        "invokedArn": context.invoked_function_arn,
        "requestId": context.aws_request_id,
        "clientContext": custom,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }
