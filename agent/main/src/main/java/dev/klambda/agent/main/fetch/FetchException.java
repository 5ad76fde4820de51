package dev.klambda.agent.main.fetch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** A fetch that failed for good, with a message that names the artifact and says why, fit for one line on stderr. */
public final class FetchException extends IOException {

    public FetchException(String message) {
        super(message);
    }

    public FetchException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What went wrong, in words: the message, or for a filesystem error that gives only a path, the path and the kind. */
    public static String describe(Throwable e) {
        if (e instanceof FileSystemException fs) {
            String reason = fs.getReason() != null ? fs.getReason()
                    : e instanceof NoSuchFileException ? "no such file or directory"
                            : e instanceof AccessDeniedException ? "permission denied"
                                    : e instanceof FileAlreadyExistsException ? "already exists"
                                            : e.getClass().getSimpleName();
            String file = fs.getOtherFile() == null ? fs.getFile() : fs.getFile() + " -> " + fs.getOtherFile();
            return file == null ? reason : file + ": " + reason;
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getName() : message;
    }
}
