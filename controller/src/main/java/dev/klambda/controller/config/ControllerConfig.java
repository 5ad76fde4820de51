package dev.klambda.controller.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The controller's settings; the Helm chart writes them into {@code /etc/klambda/application.properties}. */
@ConfigMapping(prefix = "klambda")
public interface ControllerConfig {

    @WithDefault("us-east-1")
    String region();

    /** Where klambda's services run (its invokers, and the demand reports they write). */
    @WithDefault("klambda")
    String systemNamespace();

    /** The accounts: which namespaces may run functions, as which account id, under which concurrency limit. */
    List<Tenant> tenants();

    interface Tenant {
        String namespace();

        String accountId();

        @WithDefault("1000")
        int concurrencyLimit();
    }

    CodeStore codeStore();

    interface CodeStore {
        /** The code store's volume, read to check that code and layers exist. */
        Path directory();

        /** The invoker's address inside the cluster, where function pods fetch zips. */
        String url();

        /** The key pods' code URLs are signed with, shared with the invokers. */
        Optional<String> signingKey();
    }

    Controller controller();

    interface Controller {
        /** The agent's image, for the init containers that fetch code or install the agent. */
        String agentImage();

        /** Lambda runtime id (python3.12) to the image that runs it. */
        Map<String, String> runtimeImages();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** How long a pool keeps environments after the last demand, before it scales to zero (provisioned ones stay). */
        @WithDefault("10m")
        Duration idleTime();

        /**
         * How old an invoker's demand report may be and still count. Invokers rewrite theirs every few
         * seconds, so an older one belongs to an invoker that stopped or cannot reach the API server.
         */
        @WithDefault("30s")
        Duration demandStaleness();
    }
}
