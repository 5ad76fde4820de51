package dev.klambda.standalone.store;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.code.DirectoryCodeStore;

/** Lets tests in other packages build a store with its package-private status helper. */
public final class FunctionStatusesAccess {

    private FunctionStatusesAccess() {
    }

    public static FunctionStatuses create(DirectoryCodeStore codeStore, ObjectMapper mapper) {
        return new FunctionStatuses(codeStore, mapper);
    }
}
