package dev.klambda.core.error;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * An error to return to a Lambda API caller, in Lambda's own shape. Every layer throws this; the
 * HTTP edge renders it with {@link ErrorBodies}.
 */
public class LambdaException extends RuntimeException {

    private final ErrorType type;
    private final Map<String, Object> extraMembers;

    public LambdaException(ErrorType type, String message) {
        this(type, message, Map.of());
    }

    public LambdaException(ErrorType type, String message, Map<String, Object> extraMembers) {
        super(message, null, false, false);
        this.type = type;
        this.extraMembers = Map.copyOf(extraMembers);
    }

    public ErrorType type() {
        return type;
    }

    /** What a stage failed with, without the {@link CompletionException} that wraps it after a dependent stage. */
    public static Throwable cause(Throwable stageFailure) {
        return stageFailure instanceof CompletionException && stageFailure.getCause() != null
                ? stageFailure.getCause()
                : stageFailure;
    }

    /** Members the body carries besides {@code Type} and the message, e.g. {@code Reason}. */
    public Map<String, Object> extraMembers() {
        return extraMembers;
    }

    /** 404 for a function, version or alias that does not exist: "Function not found: arn". */
    public static LambdaException functionNotFound(String arn) {
        return new LambdaException(ErrorType.ResourceNotFoundException, "Function not found: " + arn);
    }

    /** 400 InvalidParameterValueException. */
    public static LambdaException invalidParameter(String message) {
        return new LambdaException(ErrorType.InvalidParameterValueException, message);
    }

    /**
     * 400 ValidationException for one member, with AWS's wording: "1 validation error detected:
     * Value 'v' at 'member' failed to satisfy constraint: constraint".
     */
    public static LambdaException validation(String member, Object value, String constraint) {
        return new LambdaException(ErrorType.ValidationException, constraintViolation(member, value, constraint));
    }

    /** The wording of one constraint violation, as AWS prints it. */
    public static String constraintViolation(String member, Object value, String constraint) {
        String shown = value == null ? "null" : "'" + value + "'";
        return "1 validation error detected: Value " + shown + " at '" + member + "' failed to satisfy constraint: "
                + constraint;
    }

    /** 429 TooManyRequestsException with a Lambda throttling reason. */
    public static LambdaException throttled(String reason) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("Reason", reason);
        return new LambdaException(ErrorType.TooManyRequestsException, "Rate Exceeded.", extra);
    }
}
