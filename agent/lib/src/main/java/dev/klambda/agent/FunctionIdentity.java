package dev.klambda.agent;

/**
 * Which function and version an environment runs, and how Lambda names it to the runtime.
 *
 * @param name the function name
 * @param version {@code $LATEST} or a version number
 * @param region the region in ARNs and {@code AWS_REGION}
 * @param accountId the 12-digit account in ARNs
 */
public record FunctionIdentity(String name, String version, String region, String accountId) {

    /** The unqualified ARN of the function. */
    public String arn() {
        return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
    }
}
