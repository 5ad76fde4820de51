package dev.klambda.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class TenantTableTest {

    static Tenant tenant(String namespace, String account, String... keyIds) {
        return new Tenant(namespace, account,
                java.util.Arrays.stream(keyIds).map(id -> new AccessKey(id, id + "-secret")).toList());
    }

    @Test
    void findsTenantsByNamespaceAccountAndAccessKey() {
        TenantTable table = new TenantTable(List.of(tenant("default", "000000000000", "test"),
                tenant("shop", "123456789012", "AKIASHOP1", "AKIASHOP2")));
        assertThat(table.byNamespace("shop")).get().extracting(Tenant::accountId).isEqualTo("123456789012");
        assertThat(table.byAccountId("000000000000")).get().extracting(Tenant::namespace).isEqualTo("default");
        assertThat(table.byAccessKeyId("AKIASHOP2")).get().extracting(Tenant::namespace).isEqualTo("shop");
        assertThat(table.accessKey("AKIASHOP2")).get().extracting(AccessKey::secret).isEqualTo("AKIASHOP2-secret");
        assertThat(table.byAccessKeyId("nobody")).isEmpty();
        assertThat(table.byNamespace("other")).isEmpty();
    }

    @Test
    void refusesAmbiguousTables() {
        assertThatThrownBy(() -> new TenantTable(List.of(tenant("a", "000000000001", "k"), tenant("b", "000000000002", "k"))))
                .hasMessageContaining("access key k belongs to two tenants");
        assertThatThrownBy(() -> new TenantTable(List.of(tenant("a", "000000000001"), tenant("b", "000000000001"))))
                .hasMessageContaining("account 000000000001 is in the tenant table twice");
        assertThatThrownBy(() -> new TenantTable(List.of(tenant("a", "000000000001"), tenant("a", "000000000002"))))
                .hasMessageContaining("namespace a is in the tenant table twice");
    }

    @Test
    void refusesMalformedTenants() {
        assertThatThrownBy(() -> tenant("default", "1234")).hasMessageContaining("is not 12 digits");
        assertThatThrownBy(() -> tenant("Not_A_Namespace", "000000000000"))
                .hasMessageContaining("is not a Kubernetes namespace name");
        assertThat(new AccessKey("id", "very-secret").toString()).doesNotContain("very-secret");
    }
}
