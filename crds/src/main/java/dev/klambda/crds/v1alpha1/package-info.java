/**
 * klambda's custom resources, API group {@code klambda.dev}, version {@code v1alpha1}: Function,
 * Version, Alias and EventSourceMapping. Field names follow AWS Lambda's API in lowerCamelCase.
 * Bounds, patterns and CEL rules declared here are generated into the CRD YAML under
 * {@code crds/manifests/}; standalone mode enforces the same rules in {@code core}.
 */
package dev.klambda.crds.v1alpha1;
