package dev.klambda.controller.model;

import java.util.Map;

import dev.klambda.core.code.CodeLocations;

/**
 * What every pool shares, from the controller's configuration: images, where pods fetch code, and
 * where the invokers that call them run.
 *
 * @param agentImage the agent's own image (init containers that fetch code or install the agent)
 * @param runtimeImages Lambda runtime id to the image that runs it, e.g. python3.12
 * @param imagePullPolicy for every container of a pool
 * @param codeStoreUrl the invoker's address inside the cluster, where pods fetch code store zips
 * @param codeLocations signs the pods' code URLs
 * @param systemNamespace where klambda's own services (the invokers) run
 */
public record PoolSettings(String agentImage, Map<String, String> runtimeImages, String imagePullPolicy,
        String codeStoreUrl, CodeLocations codeLocations, String systemNamespace) {

    public PoolSettings {
        runtimeImages = Map.copyOf(runtimeImages);
    }
}
