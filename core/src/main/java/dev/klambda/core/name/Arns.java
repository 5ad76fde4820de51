package dev.klambda.core.name;

/** Builds Lambda ARNs in the shape AWS clients accept. */
public final class Arns {

    public static final String PARTITION = "aws";

    private Arns() {
    }

    /** {@code arn:aws:lambda:<region>:<account>:function:<name>}. */
    public static String function(String region, String accountId, String functionName) {
        return "arn:" + PARTITION + ":lambda:" + region + ":" + accountId + ":function:" + functionName;
    }

    /** {@code arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>}, unqualified when it is null. */
    public static String function(String region, String accountId, String functionName, String qualifier) {
        String arn = function(region, accountId, functionName);
        return qualifier == null ? arn : arn + ":" + qualifier;
    }

    /** {@code arn:aws:iam::<account>:role/<name>}: how a service account appears as a Lambda role. */
    public static String role(String accountId, String roleName) {
        return "arn:" + PARTITION + ":iam::" + accountId + ":role/" + roleName;
    }

    /** {@code arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>}. */
    public static String eventSourceMapping(String region, String accountId, String uuid) {
        return "arn:" + PARTITION + ":lambda:" + region + ":" + accountId + ":event-source-mapping:" + uuid;
    }

    /** {@code arn:aws:lambda:<region>:<account>:layer:<name>}, or with {@code :<version>} when it is positive. */
    public static String layer(String region, String accountId, String layerName, long version) {
        String arn = "arn:" + PARTITION + ":lambda:" + region + ":" + accountId + ":layer:" + layerName;
        return version > 0 ? arn + ":" + version : arn;
    }
}
