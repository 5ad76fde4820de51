package dev.klambda.invoker.manage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodeStore;
import dev.klambda.core.code.FileTrees;
import dev.klambda.core.code.InvalidCodePackageException;
import dev.klambda.core.code.ZipExtractor;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/**
 * Zip packages uploaded through the API ({@code Code.ZipFile}): checked as an environment would
 * unpack them (a zip, nothing outside its directory, at most 250 MB unzipped) and only then kept
 * in the code store, so a refused upload leaves the store as it was.
 */
@Singleton
public class CodeUploads {

    /** Lambda's limit on a zip uploaded through the API. */
    static final int MAX_ZIPPED = 52_428_800;

    private static final Logger LOG = Logger.getLogger(CodeUploads.class);

    private final CodeStore store;

    @Inject
    CodeUploads(CodeStore store) {
        this.store = store;
    }

    /**
     * Checks a base64 {@code ZipFile} member and, unless {@code dryRun}, stores it.
     *
     * @return the package's digest (its SHA-256 names it in the store)
     */
    CodeDigest upload(String base64, boolean dryRun) {
        byte[] zip;
        try {
            zip = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new LambdaException(ErrorType.InvalidRequestContentException,
                    "Could not parse request body into json: ZipFile is not base64");
        }
        if (zip.length > MAX_ZIPPED) {
            throw new LambdaException(ErrorType.RequestEntityTooLargeException,
                    "Zipped size must be smaller than " + MAX_ZIPPED + " bytes");
        }
        check(zip);
        if (dryRun) {
            return CodeDigest.of(zip);
        }
        try {
            return store.put(out -> out.write(zip)).digest();
        } catch (IOException e) {
            LOG.error("cannot store an uploaded package", e);
            throw new LambdaException(ErrorType.ServiceException, "The code could not be stored: " + e.getMessage());
        }
    }

    /** Unpacks the zip into a scratch directory with the rules environments use, and throws Lambda's error if it fails. */
    private static void check(byte[] zip) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("klambda-upload-");
            Path file = scratch.resolve("code.zip");
            Files.write(file, zip);
            new ZipExtractor().extract(file, scratch.resolve("unpacked"), 0);
        } catch (InvalidCodePackageException e) {
            throw LambdaException.invalidParameter(e.lambdaMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check an uploaded package", e);
        } finally {
            if (scratch != null) {
                try {
                    FileTrees.deleteIfExists(scratch);
                } catch (IOException e) {
                    LOG.warnf("cannot remove %s: %s", scratch, e.getMessage());
                }
            }
        }
    }
}
