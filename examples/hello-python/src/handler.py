import os


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {
        "message": f"{os.environ.get('GREETING', 'Hello')}, {name}!",
        "function": context.function_name,
        "version": context.function_version,
    }
