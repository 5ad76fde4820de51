package dev.klambda.crds.v1alpha1;

/** Constants of the klambda API group shared by every kind. */
public final class KlambdaApi {

    public static final String GROUP = "klambda.dev";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private KlambdaApi() {
    }
}
