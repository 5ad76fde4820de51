package dev.klambda.crds.v1alpha1.function;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;
import dev.klambda.crds.v1alpha1.common.EventInvokeConfig;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;

/** A function's desired state: its $LATEST code and configuration plus function-wide settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.functionName) == has(oldSelf.functionName) && (!has(self.functionName) || self.functionName == oldSelf.functionName)", message = Messages.FUNCTION_NAME_IMMUTABLE)
@ValidationRule(value = "!has(self.permissions) || self.permissions.all(p, self.permissions.exists_one(q, q.statementId == p.statementId))", message = Messages.STATEMENT_IDS_UNIQUE)
@ValidationRule(value = "!has(self.tags) || self.tags.all(k, size(k) >= 1 && size(k) <= 128 && size(self.tags[k]) <= 256)", message = Messages.TAGS_SIZE)
public class FunctionSpec extends FunctionConfiguration {

    @JsonPropertyDescription("The Lambda function name (letters, digits, '-' and '_', at most 64). Default: metadata.name. Versions, aliases, mappings and API calls refer to the function by it.")
    @Pattern(Patterns.FUNCTION_NAME)
    @Size(min = 1, max = 64)
    private String functionName;

    @JsonPropertyDescription("Reserved concurrency: the most environments all versions of the function may use at once, and a share of the account limit kept for it. 0 throttles every invocation.")
    @Min(0)
    private Integer reservedConcurrentExecutions;

    @JsonPropertyDescription("Retries, event age and destinations for asynchronous invocations of $LATEST and of versions and aliases that set none of their own.")
    private EventInvokeConfig eventInvokeConfig;

    @JsonPropertyDescription("The function's resource policy: who else may invoke it. Callers of the function's own account (namespace) are always allowed.")
    @Size(max = 100)
    private List<Permission> permissions;

    @JsonPropertyDescription("A function URL for the unqualified function.")
    private FunctionUrlConfig functionUrlConfig;

    @JsonPropertyDescription("Tags, as Lambda's TagResource sets them.")
    @Size(max = 50)
    private Map<String, String> tags;

    public String getFunctionName() {
        return functionName;
    }

    public void setFunctionName(String functionName) {
        this.functionName = functionName;
    }

    public Integer getReservedConcurrentExecutions() {
        return reservedConcurrentExecutions;
    }

    public void setReservedConcurrentExecutions(Integer reservedConcurrentExecutions) {
        this.reservedConcurrentExecutions = reservedConcurrentExecutions;
    }

    public EventInvokeConfig getEventInvokeConfig() {
        return eventInvokeConfig;
    }

    public void setEventInvokeConfig(EventInvokeConfig eventInvokeConfig) {
        this.eventInvokeConfig = eventInvokeConfig;
    }

    public List<Permission> getPermissions() {
        return permissions;
    }

    public void setPermissions(List<Permission> permissions) {
        this.permissions = permissions;
    }

    public FunctionUrlConfig getFunctionUrlConfig() {
        return functionUrlConfig;
    }

    public void setFunctionUrlConfig(FunctionUrlConfig functionUrlConfig) {
        this.functionUrlConfig = functionUrlConfig;
    }

    public Map<String, String> getTags() {
        return tags;
    }

    public void setTags(Map<String, String> tags) {
        this.tags = tags;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        FunctionSpec that = (FunctionSpec) o;
        return configurationEquals(that) && Objects.equals(functionName, that.functionName)
                && Objects.equals(reservedConcurrentExecutions, that.reservedConcurrentExecutions)
                && Objects.equals(eventInvokeConfig, that.eventInvokeConfig)
                && Objects.equals(permissions, that.permissions)
                && Objects.equals(functionUrlConfig, that.functionUrlConfig) && Objects.equals(tags, that.tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), functionName, reservedConcurrentExecutions, eventInvokeConfig,
                permissions, functionUrlConfig, tags);
    }
}
