#pragma once
// Content-addressed cache of intermediate render states. A key is the hash of the source pixels and the
// exact steps that produced the state, so any change to the source or an earlier step is a new key.
#include <cstdint>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "easel/run/render_state.hpp"

namespace easel {

using CacheKey = std::string;  // 32 hex digits (XXH3-128)

CacheKey hash_image(const Image& image);
CacheKey hash_bytes(std::string_view bytes);
// Key of the state after applying `step_json` to the state with key `previous`; `extra` carries the
// content of files the step reads (mask images), so editing such a file invalidates the entry.
CacheKey chain_key(const CacheKey& previous, const std::string& step_json, const std::string& extra);

class ResultCache {
 public:
  // `directory` empty: memory only. Otherwise states are also stored as files there and survive the
  // process (a document's cache). Memory use is capped at `memory_bytes`, disk at `disk_bytes`.
  explicit ResultCache(std::filesystem::path directory = {}, std::uint64_t memory_bytes = 1ull << 30,
                       std::uint64_t disk_bytes = 4ull << 30);

  std::optional<RenderState> find(const CacheKey& key);
  void store(const CacheKey& key, const RenderState& state);

 private:
  void evict_memory();
  void evict_disk();

  std::filesystem::path directory_;
  std::uint64_t memory_limit_;
  std::uint64_t disk_limit_;
  std::uint64_t memory_used_ = 0;
  std::list<CacheKey> recency_;  // most recent first
  std::unordered_map<CacheKey, std::pair<RenderState, std::list<CacheKey>::iterator>> entries_;
  std::mutex mutex_;
};

}  // namespace easel
