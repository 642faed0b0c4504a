#include "easel/serve/decoded_image_cache.hpp"

namespace easel::serve {

DecodedImageCache::DecodedImageCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

DecodedImageCache::Lookup DecodedImageCache::get_or_decode(const std::string& key, const Bytes& bytes,
                                                           const DecodeLimits& limits) {
  {
    std::lock_guard lock(mutex_);
    if (const auto found = index_.find(key); found != index_.end()) {
      entries_.splice(entries_.begin(), entries_, found->second);
      return {found->second->decoded, true};
    }
  }
  // Decoded outside the lock: two requests missing at once both decode, and neither waits for the other.
  auto decoded = std::make_shared<const DecodedImage>(decode_image(bytes, limits));
  const cv::Mat& pixels = decoded->image.mat();
  const std::size_t size = pixels.total() * pixels.elemSize();
  if (size > max_bytes_) return {decoded, false};
  std::lock_guard lock(mutex_);
  if (index_.contains(key)) return {decoded, false};
  entries_.push_front(Entry{key, decoded, size});
  index_[key] = entries_.begin();
  held_ += size;
  while (held_ > max_bytes_) {
    held_ -= entries_.back().bytes;
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
  return {decoded, false};
}

}  // namespace easel::serve
