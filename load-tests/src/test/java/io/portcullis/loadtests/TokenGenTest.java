package io.portcullis.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenGenTest {

  @Test
  void writesTokensSpreadOverTheTenantsAndAKeysetThatNamesTheirKid(@TempDir Path dir)
      throws Exception {
    TokenGen.main(new String[] {dir.toString(), "50", "10"});

    List<String> tokens = Files.readAllLines(dir.resolve("tokens.txt"));
    assertThat(tokens).hasSize(50).doesNotHaveDuplicates();
    Set<Object> orgs = new HashSet<>();
    for (String t : tokens) {
      orgs.add(TokenGen.claimsOf(t).get("org_id"));
    }
    assertThat(orgs).hasSize(10);
    assertThat(Files.readString(dir.resolve("keys.json")))
        .startsWith("{\"bench-rs256\": \"-----BEGIN PUBLIC KEY-----\\n");
    assertThat(Files.readString(dir.resolve("tokens.lua"))).contains(tokens.get(49));
  }
}
