package io.portcullis.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the embedded journal, plus its crash behaviour. */
class JournalStoreTest extends StoreContract {
  @TempDir Path dir;

  @Override
  Store open(Vertx vertx, MutableClock clock) {
    return new JournalStore(vertx, dir, clock);
  }

  @Override
  Store reopen(Vertx vertx, MutableClock clock) {
    return new JournalStore(vertx, dir, clock);
  }

  @Test
  void aTornLastRecordIsCutOffAndStartupContinues() throws Exception {
    StateEntry kept = apply(StateEntry.kid("k1", "x"), "key.revoked");
    Await.result(store.close());
    Path journal = dir.resolve(JournalStore.FILE_NAME);
    Files.writeString(journal, "S {\"entry\":{\"kind\":\"KID\",\"ke", StandardOpenOption.APPEND);

    store = reopen(vertx, clock);
    Await.result(store.start());
    assertThat(Await.result(store.changesSince(0))).containsExactly(kept);
    StateEntry next = apply(StateEntry.kid("k2", "x"), "key.revoked");
    assertThat(next.revision()).isEqualTo(kept.revision() + 1);
    assertThat(Files.readString(journal, StandardCharsets.UTF_8)).doesNotContain("\"ke\n");
  }

  @Test
  void aDamagedRecordInTheMiddleStopsStartup() throws Exception {
    apply(StateEntry.kid("k1", "x"), "key.revoked");
    apply(StateEntry.kid("k2", "x"), "key.revoked");
    Await.result(store.close());
    Path journal = dir.resolve(JournalStore.FILE_NAME);
    String text = Files.readString(journal);
    Files.writeString(journal, text.replaceFirst("\"KID\"", "\"K"));

    store = reopen(vertx, clock);
    Throwable failure = Await.failure(store.start());
    assertThat(failure).hasMessageContaining("corrupt at line 1");
    store = reopen(vertx, clock); // for tearDown; not started
  }

  @Test
  void aSecondProcessOnTheSameDirIsRefused() {
    Store other = new JournalStore(vertx, dir, clock);
    Throwable failure = Await.failure(other.start());
    assertThat(failure).hasMessageContaining("used by another Portcullis process");
  }
}
