package io.portcullis.ratelimit.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testkit.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Commands one event loop sends in one pass leave as one pipeline and every caller gets its own
 * answer; when one command of a pipeline fails, its caller gets that error, the others learn their
 * answer was lost, and no command runs twice.
 */
class RedisLanesIT {
  private RedisServer server;
  private Vertx vertx;
  private RedisLanes lanes;

  @BeforeEach
  void start() {
    server = RedisServer.startPrivate();
    vertx = Vertx.vertx();
    lanes = new RedisLanes(Redis.createClient(vertx, server.url()), true);
  }

  @AfterEach
  void stop() throws Exception {
    lanes.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void commandsOfOnePassShareAPipelineAndEachCallerGetsItsAnswer() throws Exception {
    // First command opens the loop's connection.
    assertThat(onLoop(() -> List.of(lanes.send(Request.cmd(Command.SET).arg("n").arg("0")))))
        .extracting(Response::toString)
        .containsExactly("OK");
    List<Response> answers =
        onLoop(
            () -> {
              List<Future<Response>> all = new ArrayList<>();
              for (int i = 0; i < 100; i++) {
                all.add(lanes.send(Request.cmd(Command.INCR).arg("n")));
              }
              return all;
            });
    List<Integer> values = answers.stream().map(Response::toInteger).toList();
    List<Integer> expected = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      expected.add(i);
    }
    assertThat(values).isEqualTo(expected); // in order: caller i got the i-th INCR
    assertThat(lanes.pipelines()).isEqualTo(1);
  }

  @Test
  void aFailingCommandFailsThePipelineAndNothingRunsTwice() throws Exception {
    onLoop(() -> List.of(lanes.send(Request.cmd(Command.SET).arg("text").arg("abc"))));
    List<Future<Response>> sent = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(
        v -> {
          sent.add(lanes.send(Request.cmd(Command.INCR).arg("a")));
          sent.add(lanes.send(Request.cmd(Command.INCR).arg("text"))); // not a number
          sent.add(lanes.send(Request.cmd(Command.INCR).arg("b")));
          Future.join(sent).onComplete(ar -> done.complete());
        });
    done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(sent).allSatisfy(f -> assertThat(f.failed()).isTrue());
    // The failed command's caller gets that command's error; the others learn their answer is lost.
    assertThat(sent.get(1).cause().getMessage()).contains("not an integer");
    assertThat(sent.get(0).cause()).isInstanceOf(RedisLanes.AnswerLost.class);
    assertThat(sent.get(2).cause()).isInstanceOf(RedisLanes.AnswerLost.class);
    assertThat(lanes.pipelines()).isEqualTo(1);
    // Each INCR ran exactly once: the pipeline was not resent.
    List<Response> counts =
        onLoop(
            () ->
                List.of(
                    lanes.send(Request.cmd(Command.GET).arg("a")),
                    lanes.send(Request.cmd(Command.GET).arg("b"))));
    assertThat(counts).extracting(Response::toInteger).containsExactly(1, 1);
  }

  /** Sends from one event-loop task, waits for every answer. */
  private List<Response> onLoop(java.util.function.Supplier<List<Future<Response>>> sends)
      throws Exception {
    Promise<List<Response>> result = Promise.promise();
    vertx.runOnContext(
        v -> {
          List<Future<Response>> all = sends.get();
          Future.all(all)
              .onComplete(
                  ar -> {
                    if (ar.failed()) {
                      result.fail(ar.cause());
                      return;
                    }
                    result.complete(all.stream().map(Future::result).toList());
                  });
        });
    return result.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
