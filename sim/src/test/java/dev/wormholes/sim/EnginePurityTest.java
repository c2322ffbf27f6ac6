package dev.wormholes.sim;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build-time check that keeps engines pure (ARCHITECTURE.md): nothing in proto, dht, nat,
 * onion, people, mainline or networks reads a clock, makes its own randomness, starts threads, opens sockets, or imports Netty or
 * LMDB; the simulator never imports node/, Netty or LMDB. It lives here because sim/ is the one
 * module that sees every engine module without seeing node/.
 */
class EnginePurityTest {
  private static final String[] ENGINES = {
    "dev.wormholes.proto..", "dev.wormholes.dht..", "dev.wormholes.nat..", "dev.wormholes.onion..",
    "dev.wormholes.people..", "dev.wormholes.mainline..", "dev.wormholes.networks.."
  };
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.wormholes");
  }

  @Test
  void enginesReadNoClock() {
    check(noClasses().that().resideInAnyPackage(ENGINES).should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().callMethodWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
            com.tngtech.archunit.base.DescribedPredicate.describe("now() of java.time or Clock.system*",
                t -> t.getOwner().getPackageName().equals("java.time")
                    && (t.getName().equals("now") || t.getName().startsWith("system"))))));
  }

  @Test
  void enginesMakeNoRandomness() {
    check(noClasses().that().resideInAnyPackage(ENGINES).should()
        .callConstructor(java.util.Random.class)
        .orShould().callConstructor(java.util.Random.class, long.class)
        .orShould().callConstructor(java.security.SecureRandom.class)
        .orShould().callMethod(Math.class, "random")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.UUID"));
  }

  @Test
  void enginesStartNoThreadsAndOpenNoSockets() {
    check(noClasses().that().resideInAnyPackage(ENGINES).should()
        .dependOnClassesThat().haveFullyQualifiedName(Thread.class.getName())
        .orShould().dependOnClassesThat().resideInAnyPackage("java.util.concurrent..", "java.nio.channels..")
        .orShould().dependOnClassesThat().haveSimpleNameEndingWith("Socket"));
  }

  @Test
  void enginesAndSimulatorImportNoNettyLmdbOrNode() {
    check(noClasses().that().resideInAnyPackage(ENGINES).or().resideInAPackage("dev.wormholes.sim..")
        .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "org.lmdbjava..", "dev.wormholes.node.."));
  }

  private static void check(ArchRule rule) {
    rule.allowEmptyShould(true).check(classes);
  }
}
