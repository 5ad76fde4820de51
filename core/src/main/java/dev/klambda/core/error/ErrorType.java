package dev.klambda.core.error;

/**
 * Lambda's error codes as they go over the wire: HTTP status, {@code x-amzn-ErrorType} value, the
 * case of the message member in the JSON body (which the service model fixes per exception), and
 * whether the body carries {@code "Type"}. Shapes follow the botocore service model and the
 * responses recorded against AWS in {@code shared/reference/lambda-recorded-errors.txt}.
 */
public enum ErrorType {
    // 4xx raised by Lambda itself, body {"Type":"User", "message"|"Message": ...}
    InvalidParameterValueException(400, "message", true),
    InvalidRequestContentException(400, "message", true),
    PolicyLengthExceededException(400, "message", true),
    CodeStorageExceededException(400, "message", true),
    ResourceInUseException(400, "Message", true),
    RecursiveInvocationException(400, "Message", true),
    ResourceNotFoundException(404, "Message", true),
    ProvisionedConcurrencyConfigNotFoundException(404, "message", true),
    ResourceConflictException(409, "message", true),
    PreconditionFailedException(412, "message", true),
    /** The service model calls it RequestTooLargeException; AWS sends this name. */
    RequestEntityTooLargeException(413, "message", true),
    UnsupportedMediaTypeException(415, "message", true),
    TooManyRequestsException(429, "message", true),

    // Model-constraint failures: body {"message": ...}, no Type
    ValidationException(400, "message", false),

    // Authentication and authorization, generic AWS shapes
    AccessDeniedException(403, "Message", false),
    InvalidSignatureException(403, "message", false),
    IncompleteSignatureException(403, "message", false),
    MissingAuthenticationTokenException(403, "message", false),
    UnrecognizedClientException(403, "message", false),

    // 5xx, body {"Type":"Service", ...}
    ServiceException(500, "Message", true),
    ResourceNotReadyException(502, "message", true),
    InvalidRuntimeException(502, "Message", true),
    InvalidZipFileException(502, "Message", true);

    private final int status;
    private final String messageMember;
    private final boolean typed;

    ErrorType(int status, String messageMember, boolean typed) {
        this.status = status;
        this.messageMember = messageMember;
        this.typed = typed;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }

    /** The JSON member carrying the message: {@code message} or {@code Message}. */
    public String messageMember() {
        return messageMember;
    }

    /** The value of the body's {@code Type} member ({@code User} or {@code Service}), or null. */
    public String fault() {
        if (!typed) {
            return null;
        }
        return status >= 500 ? "Service" : "User";
    }

    /** The value of the {@code x-amzn-ErrorType} header. */
    public String code() {
        return name();
    }
}
