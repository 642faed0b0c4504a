#pragma once
// Decoded input images kept in memory, so that an input sent again (the same owner and SHA-256, e.g. a
// client editing one photo many times) is not decoded again. Bounded in bytes of pixels; the least
// recently used images leave first. An image larger than the whole bound is decoded but not kept.
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "easel/image/codec.hpp"
#include "easel/serve/bytes_codec.hpp"

namespace easel::serve {

class DecodedImageCache {
 public:
  explicit DecodedImageCache(std::size_t max_bytes);

  struct Lookup {
    std::shared_ptr<const DecodedImage> decoded;
    bool from_cache = false;
  };
  // The image `bytes` decode to; `key` identifies the content (owner and SHA-256). Throws decode_image's
  // Error for bytes that do not decode (nothing is kept then).
  Lookup get_or_decode(const std::string& key, const Bytes& bytes, const DecodeLimits& limits);

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const DecodedImage> decoded;
    std::size_t bytes = 0;
  };

  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::map<std::string, std::list<Entry>::iterator> index_;
  std::size_t held_ = 0;
};

}  // namespace easel::serve
