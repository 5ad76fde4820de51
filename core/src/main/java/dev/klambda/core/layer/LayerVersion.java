package dev.klambda.core.layer;

import java.util.List;

/**
 * One published version of a layer: an immutable zip in the code store (by SHA-256) and what
 * PublishLayerVersion said about it.
 *
 * @param version 1, 2, 3, ... per layer, never reused
 * @param sha256 the zip's SHA-256, as hex
 * @param createdDate as Lambda prints it (2019-10-01T16:47:28.490+0000)
 */
public record LayerVersion(String layerName, long version, String description, String sha256, long codeSize,
        List<String> compatibleRuntimes, List<String> compatibleArchitectures, String licenseInfo, String createdDate) {

    /** This record with its number. */
    public LayerVersion numbered(long number) {
        return new LayerVersion(layerName, number, description, sha256, codeSize, compatibleRuntimes,
                compatibleArchitectures, licenseInfo, createdDate);
    }
}
