package dev.wormholes.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PeopleCommandsTest {
  @Test
  void durationsForInviteExpiry() {
    assertEquals(90, PeopleCommands.seconds("90s"));
    assertEquals(600, PeopleCommands.seconds("10m"));
    assertEquals(86_400, PeopleCommands.seconds("24H"));
    assertEquals(30 * 86_400, PeopleCommands.seconds("30d"));
    for (String bad : new String[] {"", "0s", "31d", "1w", "h", "-1h", "1.5h"}) {
      CliException e = assertThrows(CliException.class, () -> PeopleCommands.seconds(bad), bad);
      assertEquals(CliException.USAGE, e.exitCode());
    }
  }
}
