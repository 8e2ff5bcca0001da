package io.portcullis.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module arrows of ARCHITECTURE.md: keyset and ratelimit never depend on the gateway, nor on
 * each other, nor on vertx-web (they serve no HTTP).
 */
class ArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.portcullis");
  }

  @Test
  void keysetAndRatelimitNeverDependOnTheGateway() {
    noClasses()
        .that()
        .resideInAnyPackage("io.portcullis.keyset..", "io.portcullis.ratelimit..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.portcullis.gateway..")
        .check(classes);
  }

  @Test
  void keysetNeverDependsOnRatelimit() {
    noClasses()
        .that()
        .resideInAPackage("io.portcullis.keyset..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.portcullis.ratelimit..")
        .check(classes);
  }

  @Test
  void ratelimitNeverDependsOnKeyset() {
    noClasses()
        .that()
        .resideInAPackage("io.portcullis.ratelimit..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.portcullis.keyset..")
        .check(classes);
  }

  @Test
  void noVertxWebInKeysetOrRatelimit() {
    noClasses()
        .that()
        .resideInAnyPackage("io.portcullis.keyset..", "io.portcullis.ratelimit..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.vertx.ext.web..")
        .check(classes);
  }

  @Test
  void theClassesUnderCheckWereFound() {
    // A rule over an empty import passes vacuously; prove both modules were imported.
    org.assertj.core.api.Assertions.assertThat(classes.contain("io.portcullis.keyset.KeySet"))
        .isTrue();
    org.assertj.core.api.Assertions.assertThat(
            classes.contain("io.portcullis.ratelimit.RateLimiter"))
        .isTrue();
  }
}
