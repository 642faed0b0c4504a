#pragma once
// Server-sent events of streamed edits and generations (image_edit.* / image_generation.*): a worker
// pushes them into a channel, the HTTP thread writes them out as they come.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/images_response.hpp"

namespace easel::serve {

// JSON as the server writes it. Serialising never throws: text that is not UTF-8 (which the edge
// refuses, so only a bug could let through) becomes U+FFFD instead of turning an answer into a 500
// after its work was done.
std::string json_text(const nlohmann::json& value);

std::string server_sent_event(const std::string& name, const nlohmann::json& data);

// Events from a worker to the HTTP thread streaming them; `abandoned` tells the worker the client left.
struct EventChannel {
  void push(std::string event, bool last);
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> events;
  bool finished = false;
  std::atomic<bool> abandoned{false};
};

// One streamed request's events: `kind` is "image_edit" or "image_generation".
struct ImageEventStream {
  std::shared_ptr<EventChannel> channel;
  std::string kind;
  std::int64_t created;
  std::string quality;
  ImageFormat format;

  // For the work's check: once the client has gone, it stops before its next step.
  std::function<void()> stop_if_abandoned() const;
  std::function<void(const Bytes&, int)> partial_sender() const;
  void complete(const ImagesResult& result) const;
};

}  // namespace easel::serve
