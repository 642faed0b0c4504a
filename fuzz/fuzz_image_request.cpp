// Fuzzes the Images API's request validation (src/easel/serve, docs/server.md): any byte string, read
// as an edit's multipart fields, as a JSON job item, as a /v1/images/generations JSON body (also the
// generation settings alone, as variations and generation jobs read them), or as a variation's multipart
// fields, must give a validated request or an ApiError naming the field — never a crash, hang or other
// exception. The first byte picks the reading; the rest is the input. (The multipart wire format itself
// is parsed by cpp-httplib, Debian's library, before these fields exist.)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/generate_request.hpp"
#include "easel/serve/variation_request.hpp"

namespace {

// Multipart as the server reads it: lines of NAME=VALUE; names image, image[] and mask become files
// holding VALUE's bytes (the server checks their headers before decoding).
easel::serve::RequestFields form_fields(std::string_view text) {
  easel::serve::RequestFields fields;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto equals = line.find('=');
    const std::string name(line.substr(0, equals));
    const std::string value(equals == std::string_view::npos ? std::string_view{} : line.substr(equals + 1));
    if (name == "image" || name == "image[]" || name == "mask") {
      fields.files.emplace(name, easel::serve::Upload{name + ".png", "image/png", std::make_shared<const easel::serve::Bytes>(value.begin(), value.end())});
    } else {
      fields.text.emplace(name, value);
    }
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const easel::serve::RequestLimits limits;
  try {
    switch (data[0] % 5) {
      case 0: (void)easel::serve::parse_edit_request(form_fields(text), limits); break;
      case 1: {
        const auto body = nlohmann::json::parse(text, nullptr, false);
        if (!body.is_discarded()) (void)easel::serve::parse_edit_request(easel::serve::fields_from_json(body), limits);
        break;
      }
      case 2: {
        const auto body = nlohmann::json::parse(text, nullptr, false);
        if (!body.is_discarded()) (void)easel::serve::parse_generate_request(body, limits);
        break;
      }
      case 3: {
        const auto body = nlohmann::json::parse(text, nullptr, false);
        if (!body.is_discarded()) (void)easel::serve::parse_generation_settings(body);
        break;
      }
      default: (void)easel::serve::parse_variation_request(form_fields(text), limits); break;
    }
  } catch (const easel::serve::ApiError&) {
  } catch (const easel::Error&) {  // the server answers these 400 too (api_error_from)
  }
  return 0;
}
