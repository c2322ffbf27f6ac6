package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Scenario files parse, errors name the line, shipped scenarios are valid, distributions have their means. */
class ScenarioTest {
  @Test
  void parsesKeysCommentsAndOverrides() {
    Scenario s = Scenario.defaults().parse("# comment\n nodes = 123  # trailing\n\nchurn = pareto:shape=2,mean_s=60\n", "t");
    assertEquals(123, s.integer("nodes"));
    assertEquals("pareto", s.churn().kind());
    assertEquals(7, s.with("seed", "7").lng("seed"));
    assertEquals(4, Wormsim.expand(s.with("sweep.adversaries", "0,0.1").with("sweep.disjoint_paths", "1,2")).size());
  }

  @Test
  void errorsNameTheLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Scenario.defaults().parse("nodes = 5\nnodez = 3\n", "f.conf"));
    assertTrue(e.getMessage().startsWith("f.conf:2:"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("nodes = many", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("bootstrap = magic", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("churn = weibull:mean_s=-1", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("adversary.behaviour = nice", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("nat.mix = public:0.5, cone:0.5", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("nat.mix = public:0.5", "f"));
    assertThrows(IllegalArgumentException.class, () -> Scenario.defaults().parse("nat.port_mapping = 2", "f"));
    assertTrue(Scenario.defaults().parse("nat.mix = public:0.5, symmetric:0.5", "f").natEnabled());
  }

  @Test
  void shippedScenariosParse() throws Exception {
    Path dir = Path.of("scenarios");
    int count = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.conf")) {
      for (Path f : files) {
        Scenario.read(f);
        count++;
      }
    }
    assertTrue(count >= 6, "scenarios shipped: " + count);
  }

  @Test
  void distributionsHaveTheirMeans() {
    for (String spec : new String[] {"exponential:mean_s=100", "weibull:shape=0.5,mean_s=100",
        "weibull:shape=2,mean_s=100", "pareto:shape=3,mean_s=100"}) {
      Distribution d = Distribution.parse(spec);
      SplittableRandom r = new SplittableRandom(1);
      double sum = 0;
      int n = 400_000;
      for (int i = 0; i < n; i++) sum += d.sample(r);
      double mean = sum / n / 1000;
      assertEquals(100, mean, 6, spec + " sample mean " + mean);
    }
  }

  @Test
  void addressesRoundTrip() {
    for (int i : new int[] {0, 1, 255, 256, 65_535, 1_000_000, SimAddresses.MAX_NODES - 1}) {
      assertEquals(i, SimAddresses.indexOf(SimAddresses.of(i)));
    }
    assertEquals(-1, SimAddresses.indexOf(new java.net.InetSocketAddress("127.0.0.1", SimAddresses.PORT)));
  }
}
