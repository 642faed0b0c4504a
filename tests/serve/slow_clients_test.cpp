// Slow clients (slowloris) cannot stall the server: the request line and headers, then the body, must
// arrive within their time limits; each connection has its own thread, so other clients (and `/health`)
// are served meanwhile; connections are capped per client address. Bounded: a dozen slow sockets for
// a few seconds, on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server_process.hpp"
#include "support/test_support.hpp"

namespace easel::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Sends `prefix`, then `trickle` one byte every 300 ms until the server answers or closes the
// connection, or `give_up` passes. Returns the status of the answer (0 for none) and whether the
// server ended the connection.
struct SlowResult {
  int status = 0;
  bool closed = false;
};

SlowResult trickle(int port, const std::string& prefix, const std::string& trickle, std::chrono::seconds give_up) {
  RawConnection connection(port);
  SlowResult result;
  if (!connection.send(prefix)) return {0, true};
  const auto deadline = std::chrono::steady_clock::now() + give_up;
  for (std::size_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    if (!connection.send(std::string(1, trickle[i % trickle.size()]))) {
      result.closed = true;
      break;
    }
    // What the server sent meanwhile (it answers before closing, when it answers).
    const std::string answer = connection.read_until_closed(0.3);
    if (!answer.empty()) {
      result.status = status_of(answer);
      result.closed = connection.closed_within(2);
      break;
    }
  }
  return result;
}

// Was: 40 sockets sending one byte a second blocked every other request, `/health` included (the read
// timeout restarted with each byte and the HTTP thread pool was small).
TEST(ServerSlowClients, OthersAreServedAndSlowRequestsAreCutOff) {
  // With one worker and one queue slot the old HTTP pool had six threads: twelve slow clients held them all.
  ServerProcess server(temp_dir() / "data",
                       {"--workers", "1", "--queue-length", "1", "--header-timeout", "2", "--body-timeout", "3"});
  constexpr int kSlowHeaders = 6;
  constexpr int kSlowBodies = 6;
  std::vector<SlowResult> results(kSlowHeaders + kSlowBodies);
  std::vector<std::thread> clients;
  for (int i = 0; i < kSlowHeaders; ++i) {
    clients.emplace_back([&, i] {
      results[i] = trickle(server.port(), "GET /health HTTP/1.1\r\n", "X-Slow: aaaaaaaaaaaaaaaa\r\n", 12s);
    });
  }
  for (int i = 0; i < kSlowBodies; ++i) {
    clients.emplace_back([&, i] {
      results[kSlowHeaders + i] = trickle(
          server.port(),
          "POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
          "                ", 12s);
    });
  }
  std::this_thread::sleep_for(500ms);  // every slow client has connected and started
  auto client = server.client();
  client.set_read_timeout(5, 0);
  for (int i = 0; i < 5; ++i) {
    const auto health = client.Get("/health");
    ASSERT_TRUE(health) << "/health did not answer while slow clients were connected";
    EXPECT_EQ(health->status, 200);
  }
  const auto edit = client.Post("/v1/images/edits", edit_form("make it warmer", {photo("coffee.png").string()}));
  ASSERT_TRUE(edit) << "an edit was not served while slow clients were connected";
  EXPECT_EQ(edit->status, 200);
  for (auto& thread : clients) thread.join();
  for (int i = 0; i < kSlowHeaders; ++i)
    EXPECT_TRUE(results[i].closed) << "slow headers " << i << " were never cut off";
  for (int i = kSlowHeaders; i < kSlowHeaders + kSlowBodies; ++i) {
    EXPECT_EQ(results[i].status, 408) << "slow body " << i;
    EXPECT_TRUE(results[i].closed) << "slow body " << i;
  }
}

TEST(ServerSlowClients, ConnectionsAreCappedPerAddress) {
  ServerProcess server(temp_dir() / "data", {"--max-connections-per-address", "4"});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));  // each answered, then kept open
    EXPECT_EQ(status_of(held.back()->read_until_closed(0.5)), 200);
  }
  RawConnection fifth(server.port());
  const std::string refused = fifth.read_until_closed(5);
  EXPECT_EQ(status_of(refused), 429) << refused.substr(0, 300);
  EXPECT_NE(refused.find("too_many_connections"), std::string::npos);
  held.clear();
  // Once the server has seen them closed, the address may connect again.
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    std::this_thread::sleep_for(100ms);
    const auto health = server.client().Get("/health");
    status = health ? health->status : 0;
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace easel::test
