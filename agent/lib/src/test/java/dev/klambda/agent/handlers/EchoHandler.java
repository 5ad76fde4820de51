package dev.klambda.agent.handlers;

import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** A Lambda Java handler for the conformance tests: echoes, reports its context and environment, or fails. */
public class EchoHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        if (Boolean.TRUE.equals(event.get("fail"))) {
            throw new IllegalStateException("failed on purpose");
        }
        // The Java client writes LambdaLogger messages as they are; a line ends with a newline.
        context.getLogger().log("handling " + context.getAwsRequestId() + "\n");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("event", event);
        out.put("functionName", context.getFunctionName());
        out.put("functionVersion", context.getFunctionVersion());
        out.put("invokedFunctionArn", context.getInvokedFunctionArn());
        out.put("memoryLimitInMB", context.getMemoryLimitInMB());
        out.put("awsRequestId", context.getAwsRequestId());
        out.put("remainingTimeInMillis", context.getRemainingTimeInMillis());
        out.put("logGroupName", context.getLogGroupName());
        out.put("region", System.getenv("AWS_REGION"));
        out.put("handler", System.getenv("_HANDLER"));
        out.put("greeting", System.getenv("GREETING"));
        return out;
    }
}
