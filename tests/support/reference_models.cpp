#include "support/reference_models.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>

#include "support/test_support.hpp"

namespace easel::test {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path reference_models() { return reference_dir() / "sd" / "models"; }

json read_json(const fs::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  return json::parse(in);
}

}  // namespace

json reference_sidecar(const std::string& reference) {
  const json unet_sd1 = {{"norm_num_groups", 8}, {"attention_head_dim", 4}};
  if (reference == "sd1") {
    return {{"text_encoder", {{"num_attention_heads", 4}, {"hidden_act", "quick_gelu"}}},
            {"unet", unet_sd1},
            {"vae", {{"norm_num_groups", 8}, {"scaling_factor", 0.18215}}},
            {"scheduler", read_json(reference_models() / "sd1" / "scheduler" / "scheduler_config.json")}};
  }
  if (reference == "sd2") {
    return {{"text_encoder", {{"num_attention_heads", 2}, {"hidden_act", "gelu"}}},
            {"unet", {{"norm_num_groups", 8}, {"attention_head_dim", {2, 4}}}},
            {"vae", {{"norm_num_groups", 8}, {"scaling_factor", 0.18215}}},
            {"scheduler", read_json(reference_models() / "sd2" / "scheduler" / "scheduler_config.json")}};
  }
  const std::string folder = reference == "inpaint_unet_only" ? "inpaint" : "ip2p";
  EXPECT_TRUE(reference == "inpaint_unet_only" || reference == "ip2p_unet_only") << reference;
  return {{"unet", unet_sd1},
          {"scheduler", read_json(reference_models() / folder / "scheduler" / "scheduler_config.json")}};
}

fs::path install_single_file(const fs::path& folder, const std::string& reference, const std::string& name,
                             const json& changes) {
  fs::create_directories(folder);
  const fs::path file = folder / (name + ".safetensors");
  fs::copy_file(reference_models() / (reference + ".safetensors"), file, fs::copy_options::overwrite_existing);
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  json sidecar = reference_sidecar(reference);
  sidecar.merge_patch(changes);
  std::ofstream(folder / (name + ".easel.json")) << sidecar.dump(2);
  return file;
}

fs::path install_unet_only(const fs::path& folder, const std::string& reference, const std::string& name,
                           const json& changes) {
  std::ifstream in(reference_models() / (reference + ".safetensors"), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size = (header_size << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  const json header = json::parse(bytes.substr(8, header_size));
  const std::string data = bytes.substr(8 + header_size);
  json kept = json::object();
  std::string kept_data;
  for (const auto& [tensor, entry] : header.items()) {
    if (!tensor.starts_with("model.diffusion_model.")) continue;
    const auto begin = entry["data_offsets"][0].get<std::size_t>(), end = entry["data_offsets"][1].get<std::size_t>();
    kept[tensor] = {{"dtype", entry["dtype"]},
                    {"shape", entry["shape"]},
                    {"data_offsets", {kept_data.size(), kept_data.size() + end - begin}}};
    kept_data += data.substr(begin, end - begin);
  }
  const std::string text = kept.dump();
  fs::create_directories(folder);
  const fs::path file = folder / (name + ".safetensors");
  std::ofstream out(file, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((text.size() >> (8 * i)) & 0xffu));
  out << text << kept_data;
  json sidecar = {{"unet", reference_sidecar(reference)["unet"]}};
  sidecar.merge_patch(changes);
  std::ofstream(folder / (name + ".easel.json")) << sidecar.dump(2);
  return file;
}

}  // namespace easel::test
