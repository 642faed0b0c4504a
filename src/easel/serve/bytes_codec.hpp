#pragma once
// Byte-level helpers the API needs, all from OpenSSL's libcrypto: base64 (b64_json fields), SHA-256
// (asset ids, which name files by content) and random ids.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace easel::serve {

using Bytes = std::vector<std::uint8_t>;

std::string base64_encode(const Bytes& bytes);
// nullopt when `text` is not valid base64 (whitespace is not allowed). A "data:...;base64," prefix is
// accepted, as clients often send data URLs.
std::optional<Bytes> base64_decode(std::string_view text);
std::string sha256_hex(std::string_view bytes);
std::string sha256_hex(const Bytes& bytes);
// `prefix` followed by 24 random hex digits (96 bits from the OS's generator).
std::string random_id(const std::string& prefix);

}  // namespace easel::serve
