#include "easel/run/result_cache.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <xxhash.h>

namespace easel {
namespace fs = std::filesystem;
namespace {

std::string hex(XXH128_hash_t hash) {
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return buffer;
}

std::uint64_t state_bytes(const RenderState& state) {
  std::uint64_t bytes = state.image.mat().total() * state.image.mat().elemSize() + state.edited.total();
  for (const auto& layer : state.text_layers) bytes += layer.coverage.total();
  return bytes;
}

// Cache files are raw pixels behind a small header: states are written and read far more often than
// they are shared, and PNG compression of a 24-megapixel intermediate would cost more than the step.
// The text layers (what OCR verifies) follow as JSON facts and then each layer's raw glyph coverage.
constexpr std::array<char, 8> kMagic{'E', 'A', 'S', 'L', 'S', 'T', '0', '3'};

nlohmann::json rect_to_json(const cv::Rect& rect) { return {rect.x, rect.y, rect.width, rect.height}; }

cv::Rect rect_from_json(const nlohmann::json& json) {
  return {json.at(0).get<int>(), json.at(1).get<int>(), json.at(2).get<int>(), json.at(3).get<int>()};
}

nlohmann::json layer_facts(const TextLayer& layer) {
  nlohmann::json line_boxes = nlohmann::json::array();
  for (const auto& box : layer.line_boxes) line_boxes.push_back(rect_to_json(box));
  return {{"text", layer.text},
          {"coverage", {layer.coverage.cols, layer.coverage.rows}},
          {"box", rect_to_json(layer.box)},
          {"size_px", layer.size_px},
          {"line_count", layer.line_count},
          {"line_boxes", line_boxes},
          {"fits", layer.fits},
          {"fonts", layer.fonts},
          {"missing", layer.missing},
          {"substitution", layer.substitution},
          {"contrast_ratio", layer.contrast_ratio},
          {"contrast_ratio_p5", layer.contrast_ratio_p5},
          {"to_image", std::vector<double>(layer.to_image.val, layer.to_image.val + 9)},
          {"low_contrast_allowed", layer.low_contrast_allowed},
          {"layout", layer.layout},
          {"later_changes", layer.later_changes},
          {"superseded", layer.superseded},
          {"replaces", layer.replaces}};
}

// Throws nlohmann::json::exception for facts of the wrong shape (a damaged file).
TextLayer layer_from_facts(const nlohmann::json& facts) {
  TextLayer layer;
  layer.text = facts.at("text").get<std::string>();
  const int cols = facts.at("coverage").at(0).get<int>(), rows = facts.at("coverage").at(1).get<int>();
  if (cols < 0 || rows < 0 || static_cast<std::int64_t>(cols) * rows > (1ll << 31))
    throw std::out_of_range("coverage size");
  layer.coverage = cv::Mat(rows, cols, CV_8U);
  layer.box = rect_from_json(facts.at("box"));
  layer.size_px = facts.at("size_px").get<double>();
  layer.line_count = facts.at("line_count").get<int>();
  for (const auto& box : facts.at("line_boxes")) layer.line_boxes.push_back(rect_from_json(box));
  layer.fits = facts.at("fits").get<bool>();
  layer.fonts = facts.at("fonts").get<std::vector<std::string>>();
  layer.missing = facts.at("missing").get<std::string>();
  layer.substitution = facts.at("substitution").get<std::string>();
  layer.contrast_ratio = facts.at("contrast_ratio").get<double>();
  layer.contrast_ratio_p5 = facts.at("contrast_ratio_p5").get<double>();
  const auto to_image = facts.at("to_image").get<std::vector<double>>();
  if (to_image.size() != 9) throw std::out_of_range("to_image");
  std::copy(to_image.begin(), to_image.end(), layer.to_image.val);
  layer.low_contrast_allowed = facts.at("low_contrast_allowed").get<bool>();
  layer.layout = facts.at("layout");
  layer.later_changes = facts.at("later_changes").get<std::vector<std::string>>();
  layer.superseded = facts.at("superseded").get<std::string>();
  layer.replaces = facts.at("replaces").get<std::string>();
  return layer;
}

struct FileHeader {
  std::array<char, 8> magic;
  std::int32_t width, height, image_type, has_offset, offset_x, offset_y;
};

nlohmann::json segmentation_facts(const std::optional<SegmentationNote>& note) {
  if (!note) return nullptr;
  return {{"engine", note->engine},
          {"confidence", note->confidence ? nlohmann::json(*note->confidence) : nlohmann::json()},
          {"concern", note->concern}};
}

SegmentationNote segmentation_from_facts(const nlohmann::json& facts) {
  SegmentationNote note;
  note.engine = facts.at("engine").get<std::string>();
  if (!facts.at("confidence").is_null()) note.confidence = facts.at("confidence").get<double>();
  note.concern = facts.at("concern").get<std::string>();
  return note;
}

void write_state(const fs::path& path, const RenderState& state) {
  const cv::Mat image = state.image.mat().isContinuous() ? state.image.mat() : state.image.mat().clone();
  const cv::Mat edited = state.edited.isContinuous() ? state.edited : state.edited.clone();
  const FileHeader header{kMagic,
                          image.cols,
                          image.rows,
                          image.type(),
                          state.source_offset ? 1 : 0,
                          state.source_offset ? state.source_offset->x : 0,
                          state.source_offset ? state.source_offset->y : 0};
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&header), sizeof header);
    out.write(reinterpret_cast<const char*>(image.data),
              static_cast<std::streamsize>(image.total() * image.elemSize()));
    out.write(reinterpret_cast<const char*>(edited.data), static_cast<std::streamsize>(edited.total()));
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : state.text_layers) layers.push_back(layer_facts(layer));
    const nlohmann::json facts = {{"layers", layers},
                                  {"latest_step_models", state.latest_step_models},
                                  {"latest_step_keep", {state.latest_step_keep, state.latest_step_keep_note}},
                                  {"latest_step_segmentation", segmentation_facts(state.latest_step_segmentation)}};
    const std::string facts_text = facts.dump();
    const std::uint64_t facts_length = facts_text.size();
    out.write(reinterpret_cast<const char*>(&facts_length), sizeof facts_length);
    out.write(facts_text.data(), static_cast<std::streamsize>(facts_text.size()));
    for (const auto& layer : state.text_layers) {
      const cv::Mat coverage = layer.coverage.isContinuous() ? layer.coverage : layer.coverage.clone();
      out.write(reinterpret_cast<const char*>(coverage.data), static_cast<std::streamsize>(coverage.total()));
    }
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      return;  // a cache that cannot be written only costs time
    }
  }
  std::error_code ignored;
  fs::rename(temporary, path, ignored);
}

std::optional<RenderState> read_state(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  FileHeader header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header) || header.magic != kMagic || header.width <= 0 ||
      header.height <= 0 || header.image_type != CV_8UC4) {
    return std::nullopt;
  }
  const auto pixels_end = sizeof header + static_cast<std::uint64_t>(header.width) * header.height * 5;
  std::error_code error;
  const std::uint64_t file_size = fs::file_size(path, error);
  if (error || file_size < pixels_end + sizeof(std::uint64_t)) return std::nullopt;
  RenderState state;
  state.image = Image(cv::Mat(header.height, header.width, CV_8UC4));
  state.edited = cv::Mat(header.height, header.width, CV_8U);
  in.read(reinterpret_cast<char*>(state.image.mat().data), static_cast<std::streamsize>(state.image.mat().total() * 4));
  in.read(reinterpret_cast<char*>(state.edited.data), static_cast<std::streamsize>(state.edited.total()));
  std::uint64_t facts_length = 0;
  in.read(reinterpret_cast<char*>(&facts_length), sizeof facts_length);
  if (!in || facts_length > file_size - pixels_end - sizeof facts_length) return std::nullopt;
  std::string facts_text(facts_length, '\0');
  in.read(facts_text.data(), static_cast<std::streamsize>(facts_length));
  std::uint64_t remaining = file_size - pixels_end - sizeof facts_length - facts_length;
  try {
    const nlohmann::json facts_json = nlohmann::json::parse(facts_text);
    state.latest_step_models = facts_json.at("latest_step_models").get<std::string>();
    const nlohmann::json keep = facts_json.value("latest_step_keep", nlohmann::json::array({"", ""}));
    state.latest_step_keep = keep.at(0).get<std::string>();
    state.latest_step_keep_note = keep.at(1).get<std::string>();
    if (const auto segmentation = facts_json.value("latest_step_segmentation", nlohmann::json());
        !segmentation.is_null()) {
      state.latest_step_segmentation = segmentation_from_facts(segmentation);
    }
    for (const auto& facts : facts_json.at("layers")) {
      TextLayer layer = layer_from_facts(facts);
      if (layer.coverage.total() > remaining) return std::nullopt;
      in.read(reinterpret_cast<char*>(layer.coverage.data), static_cast<std::streamsize>(layer.coverage.total()));
      remaining -= layer.coverage.total();
      state.text_layers.push_back(std::move(layer));
    }
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged entry is recomputed
  }
  if (!in || remaining != 0) return std::nullopt;
  if (header.has_offset) {
    state.source_offset = cv::Point(header.offset_x, header.offset_y);
  } else {
    state.source_offset.reset();
  }
  return state;
}

}  // namespace

CacheKey hash_image(const Image& image) {
  const cv::Mat pixels = image.mat().isContinuous() ? image.mat() : image.mat().clone();
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  const std::array<std::int32_t, 3> shape{pixels.cols, pixels.rows, pixels.type()};
  XXH3_128bits_update(state, shape.data(), sizeof shape);
  XXH3_128bits_update(state, pixels.data, pixels.total() * pixels.elemSize());
  const auto digest = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  return hex(digest);
}

CacheKey hash_bytes(std::string_view bytes) { return hex(XXH3_128bits(bytes.data(), bytes.size())); }

CacheKey chain_key(const CacheKey& previous, const std::string& step_json, const std::string& extra) {
  std::string material = previous;
  material += '\n';
  material += step_json;
  material += '\n';
  material += extra;
  return hex(XXH3_128bits(material.data(), material.size()));
}

ResultCache::ResultCache(fs::path directory, std::uint64_t memory_bytes, std::uint64_t disk_bytes)
    : directory_(std::move(directory)), memory_limit_(memory_bytes), disk_limit_(disk_bytes) {
  if (!directory_.empty()) fs::create_directories(directory_);
}

std::optional<RenderState> ResultCache::find(const CacheKey& key) {
  std::lock_guard lock(mutex_);
  if (const auto found = entries_.find(key); found != entries_.end()) {
    recency_.splice(recency_.begin(), recency_, found->second.second);
    return found->second.first;
  }
  if (directory_.empty()) return std::nullopt;
  auto state = read_state(directory_ / key);
  if (state) {
    std::error_code ignored;
    fs::last_write_time(directory_ / key, fs::file_time_type::clock::now(), ignored);  // recency for eviction
  }
  return state;
}

void ResultCache::store(const CacheKey& key, const RenderState& state) {
  std::lock_guard lock(mutex_);
  if (entries_.count(key) == 0) {
    recency_.push_front(key);
    entries_.emplace(key, std::make_pair(state, recency_.begin()));
    memory_used_ += state_bytes(state);
    evict_memory();
  }
  if (!directory_.empty() && !fs::exists(directory_ / key)) {
    write_state(directory_ / key, state);
    evict_disk();
  }
}

void ResultCache::evict_memory() {
  while (memory_used_ > memory_limit_ && recency_.size() > 1) {
    const auto oldest = entries_.find(recency_.back());
    memory_used_ -= state_bytes(oldest->second.first);
    entries_.erase(oldest);
    recency_.pop_back();
  }
}

void ResultCache::evict_disk() {
  std::vector<fs::directory_entry> files;
  std::uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    if (!entry.is_regular_file()) continue;
    files.push_back(entry);
    total += entry.file_size();
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.last_write_time() < b.last_write_time(); });
  for (const auto& file : files) {
    if (total <= disk_limit_) break;
    total -= file.file_size();
    std::error_code ignored;
    fs::remove(file.path(), ignored);
  }
}

}  // namespace easel
