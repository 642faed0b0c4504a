#include "easel/serve/image_events.hpp"

#include "easel/serve/work_control.hpp"

namespace easel::serve {
using nlohmann::json;

namespace {

// The fields every image_edit.* / image_generation.* event carries.
json image_event(const std::string& type, const Bytes& image, std::int64_t created, const std::string& quality,
                 ImageFormat format) {
  const ImageInfo info = probe_image(image);
  return json{{"type", type},
              {"b64_json", base64_encode(image)},
              {"created_at", created},
              {"size", std::to_string(info.width) + "x" + std::to_string(info.height)},
              {"quality", quality},
              {"background", info.has_alpha ? "transparent" : "opaque"},
              {"output_format", format_name(format)}};
}

}  // namespace

std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string server_sent_event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + json_text(data) + "\n\n";
}

void EventChannel::push(std::string event, bool last) {
  {
    std::lock_guard lock(mutex);
    events.push_back(std::move(event));
    finished = finished || last;
  }
  ready.notify_one();
}

std::function<void()> ImageEventStream::stop_if_abandoned() const {
  return [channel = channel] {
    if (channel->abandoned) throw WorkInterrupted(false, "the client disconnected");
  };
}

std::function<void(const Bytes&, int)> ImageEventStream::partial_sender() const {
  return [stream = *this](const Bytes& image, int index) {
    json event = image_event(stream.kind + ".partial_image", image, stream.created, stream.quality, stream.format);
    event["partial_image_index"] = index;
    stream.channel->push(server_sent_event(stream.kind + ".partial_image", event), false);
  };
}

void ImageEventStream::complete(const ImagesResult& result) const {
  json event = image_event(kind + ".completed", result.images.front(), created, quality, format);
  event["usage"] = result.usage.to_json();
  event["easel"] = result.easel;
  channel->push(server_sent_event(kind + ".completed", event), true);
}

}  // namespace easel::serve
