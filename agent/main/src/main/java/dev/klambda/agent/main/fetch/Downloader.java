package dev.klambda.agent.main.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;

import dev.klambda.core.code.CodeDigest;

/**
 * Copies an artifact's bytes to a local file, hashing them on the way, so that nothing the size
 * of a zip is ever held in memory. HTTP downloads are retried with exponential backoff when the
 * failure may pass (a connection error, a stalled or cut-off body, 408, 429, 5xx) and fail at once
 * otherwise (another status, e.g. 403 for an expired signature or 404).
 */
final class Downloader {

    /**
     * How often and how patiently to retry.
     *
     * @param attempts tries in all, the first included
     * @param firstDelay the wait after the first failure; it doubles after each further one
     * @param connectTimeout how long to wait for a connection
     * @param readTimeout how long the server may stay silent, before the headers or within the body
     */
    record Retry(int attempts, Duration firstDelay, Duration connectTimeout, Duration readTimeout) {

        /** 5 tries over about 3 s, then give up: the pod's init container is restarted by the kubelet anyway. */
        static final Retry DEFAULT = new Retry(5, Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(60));

        Duration delayAfter(int failedAttempts) {
            return firstDelay.multipliedBy(1L << Math.min(failedAttempts - 1, 20));
        }
    }

    /** A failure that another attempt may not have. */
    private static final class TransientException extends IOException {
        TransientException(String message) {
            super(message);
        }
    }

    private static final int BUFFER = 64 * 1024;

    private final Retry retry;

    Downloader(Retry retry) {
        this.retry = retry;
    }

    /**
     * Writes the bytes of {@code artifact} to {@code file} (replacing it) and returns their digest.
     *
     * @throws FetchException when the bytes cannot be had, after retrying where that may help
     */
    CodeDigest download(Artifact artifact, Path file) throws IOException {
        if ("file".equals(artifact.source().getScheme())) {
            return copyFile(artifact, file);
        }
        IOException last = null;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            if (attempt > 1) {
                pause(retry.delayAfter(attempt - 1));
            }
            try {
                return attempt(artifact, file);
            } catch (FetchException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new FetchException(artifact + ": gave up after " + retry.attempts() + " attempts; the last: "
                + FetchException.describe(last), last);
    }

    private CodeDigest copyFile(Artifact artifact, Path file) throws IOException {
        Path source = Path.of(artifact.source());
        InputStream in;
        try {
            in = Files.newInputStream(source);
        } catch (NoSuchFileException e) {
            throw new FetchException(artifact + ": no such file", e);
        } catch (IOException e) {
            throw new FetchException(artifact + ": " + FetchException.describe(e), e);
        }
        try (in) {
            return copy(artifact, in, file);
        } catch (FetchException e) {
            throw e;
        } catch (IOException e) {
            throw new FetchException(artifact + ": " + FetchException.describe(e), e);
        }
    }

    private CodeDigest attempt(Artifact artifact, Path file) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) artifact.source().toURL().openConnection();
        connection.setConnectTimeout((int) retry.connectTimeout().toMillis());
        connection.setReadTimeout((int) retry.readTimeout().toMillis());
        connection.setUseCaches(false);
        try {
            int status = connection.getResponseCode();
            if (status == HttpURLConnection.HTTP_OK) {
                CodeDigest digest;
                try (InputStream in = connection.getInputStream()) {
                    digest = copy(artifact, in, file);
                }
                long declared = connection.getContentLengthLong();
                if (declared >= 0 && declared != digest.size()) {
                    throw new TransientException("the body ended after " + digest.size() + " of " + declared + " bytes");
                }
                return digest;
            }
            String answer = "HTTP " + status
                    + (connection.getResponseMessage() == null ? "" : " " + connection.getResponseMessage());
            if (status >= 500 || status == 429 || status == HttpURLConnection.HTTP_CLIENT_TIMEOUT) {
                throw new TransientException(answer);
            }
            throw new FetchException(artifact + ": " + answer);
        } finally {
            connection.disconnect();
        }
    }

    /**
     * Copies {@code in} to {@code file} while hashing. A failure to read is thrown as it is (over
     * HTTP it may pass); a failure to write is a {@link FetchException}, as retrying cannot help.
     */
    private static CodeDigest copy(Artifact artifact, InputStream in, Path file) throws IOException {
        MessageDigest sha256 = CodeDigest.newSha256();
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        OutputStream out;
        try {
            out = Files.newOutputStream(file);
        } catch (IOException e) {
            throw cannotWrite(artifact, file, e);
        }
        try (out) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha256.update(buffer, 0, n);
                size += n;
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    throw cannotWrite(artifact, file, e);
                }
            }
        }
        return new CodeDigest(sha256.digest(), size);
    }

    private static FetchException cannotWrite(Artifact artifact, Path file, IOException e) {
        return new FetchException(artifact + ": cannot write " + file + ": " + FetchException.describe(e), e);
    }

    private static void pause(Duration delay) throws IOException {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while waiting to retry", e);
        }
    }
}
