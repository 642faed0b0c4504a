#include "random_models.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "easel/diffusion/tensor_file.hpp"

namespace easel::diffusion::bench {
namespace {

// Adds parameters in the diffusers naming and counts the multiply-adds they take at a given size.
class Builder {
 public:
  explicit Builder(RandomModel& model, Weighting weighting = Weighting::fp32) : model_(model), weighting_(weighting) {}

  void conv(const std::string& name, std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t pixels_out) {
    add(name + ".weight", {out, in, kernel, kernel}, in * kernel * kernel);
    add(name + ".bias", {out}, 0);
    model_.flops += 2.0 * static_cast<double>(out * in * kernel * kernel) * static_cast<double>(pixels_out);
  }
  void linear(const std::string& name, std::int64_t in, std::int64_t out, std::int64_t rows, bool bias = true) {
    add(name + ".weight", {out, in}, in);
    if (bias) add(name + ".bias", {out}, 0);
    model_.flops += 2.0 * static_cast<double>(in * out) * static_cast<double>(rows);
  }
  void norm(const std::string& name, std::int64_t channels) {
    if (weighting_ == Weighting::flops_only) return;
    model_.weights.add(name + ".weight", at::ones({channels}).to(stored_type()));
    model_.weights.add(name + ".bias", at::zeros({channels}).to(stored_type()));
  }
  void embedding(const std::string& name, std::int64_t rows, std::int64_t width) { add(name, {rows, width}, width); }
  // Q·Kᵀ and softmax·V over `queries` × `keys` positions of total width `width`.
  void attention_products(std::int64_t queries, std::int64_t keys, std::int64_t width) {
    model_.flops += 4.0 * static_cast<double>(queries) * static_cast<double>(keys) * static_cast<double>(width);
  }

 private:
  void add(const std::string& name, std::vector<std::int64_t> shape, std::int64_t fan_in) {
    if (weighting_ == Weighting::flops_only) return;
    const double scale = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.02;
    model_.weights.add(name, (at::randn(shape) * scale).to(stored_type()));
  }
  at::ScalarType stored_type() const { return weighting_ == Weighting::fp16 ? at::kHalf : at::kFloat; }
  RandomModel& model_;
  Weighting weighting_;
};

void unet_resnet(Builder& b, const std::string& p, std::int64_t in, std::int64_t out, std::int64_t pixels) {
  b.norm(p + ".norm1", in);
  b.conv(p + ".conv1", in, out, 3, pixels);
  b.linear(p + ".time_emb_proj", 1280, out, 1);
  b.norm(p + ".norm2", out);
  b.conv(p + ".conv2", out, out, 3, pixels);
  if (in != out) b.conv(p + ".conv_shortcut", in, out, 1, pixels);
}

// A UNet's architecture: channels and transformer blocks per level (0: no attention), the text width,
// SD2/SDXL's linear projections, the middle block's transformer blocks, and SDXL's added embedding's
// input width (0: none).
struct UNetShape {
  std::vector<std::int64_t> channels;
  std::vector<int> depth;
  std::int64_t context = 768;
  bool linear_projection = false;
  int mid_depth = 1;
  std::int64_t added_inputs = 0;
};

UNetShape unet_shape(Family family) {
  switch (family) {
    case Family::sd15:
      return {{320, 640, 1280, 1280}, {1, 1, 1, 0}, 768, false, 1, 0};
    case Family::sd21:
      return {{320, 640, 1280, 1280}, {1, 1, 1, 0}, 1024, true, 1, 0};
    case Family::sdxl:
      // stable-diffusion-xl-base-1.0: no attention at the first level, 2 and 10 transformer blocks below
      // it (10 in the middle), 2048-wide text, and the text_time embedding of 1280 + 6·256 inputs.
      return {{320, 640, 1280}, {0, 2, 10}, 2048, true, 10, 2816};
  }
  return {};
}

void unet_attention(Builder& b, const std::string& p, std::int64_t channels, const UNetShape& shape, int depth,
                    std::int64_t pixels) {
  constexpr std::int64_t tokens = 77;
  b.norm(p + ".norm", channels);
  if (shape.linear_projection) {
    b.linear(p + ".proj_in", channels, channels, pixels);
    b.linear(p + ".proj_out", channels, channels, pixels);
  } else {
    b.conv(p + ".proj_in", channels, channels, 1, pixels);
    b.conv(p + ".proj_out", channels, channels, 1, pixels);
  }
  for (int block = 0; block < depth; ++block) {
    const std::string t = p + ".transformer_blocks." + std::to_string(block);
    for (const char* norm : {".norm1", ".norm2", ".norm3"}) b.norm(t + norm, channels);
    for (const char* projection : {".attn1.to_q", ".attn1.to_k", ".attn1.to_v", ".attn2.to_q"}) {
      b.linear(t + projection, channels, channels, pixels, false);
    }
    b.linear(t + ".attn2.to_k", shape.context, channels, tokens, false);
    b.linear(t + ".attn2.to_v", shape.context, channels, tokens, false);
    b.linear(t + ".attn1.to_out.0", channels, channels, pixels);
    b.linear(t + ".attn2.to_out.0", channels, channels, pixels);
    b.attention_products(pixels, pixels, channels);
    b.attention_products(pixels, tokens, channels);
    b.linear(t + ".ff.net.0.proj", channels, 8 * channels, pixels);
    b.linear(t + ".ff.net.2", 4 * channels, channels, pixels);
  }
}

void vae_resnet(Builder& b, const std::string& p, std::int64_t in, std::int64_t out, std::int64_t pixels) {
  b.norm(p + ".norm1", in);
  b.conv(p + ".conv1", in, out, 3, pixels);
  b.norm(p + ".norm2", out);
  b.conv(p + ".conv2", out, out, 3, pixels);
  if (in != out) b.conv(p + ".conv_shortcut", in, out, 1, pixels);
}

void write_json(const std::filesystem::path& file, const nlohmann::json& json) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << json.dump(2);
}

// SD's Euler ε scheduler config with `spacing`.
void write_euler_scheduler(const std::filesystem::path& folder, const char* spacing) {
  write_json(folder / "scheduler" / "scheduler_config.json", {{"_class_name", "EulerDiscreteScheduler"},
                                                              {"beta_schedule", "scaled_linear"},
                                                              {"beta_start", 0.00085},
                                                              {"beta_end", 0.012},
                                                              {"num_train_timesteps", 1000},
                                                              {"prediction_type", "epsilon"},
                                                              {"timestep_spacing", spacing},
                                                              {"steps_offset", 1}});
}

// Writes the weights and returns their FLOPs.
double write_weights(const std::filesystem::path& file, const RandomModel& model) {
  std::filesystem::create_directories(file.parent_path());
  std::map<std::string, at::Tensor> tensors;
  for (const std::string& name : model.weights.names()) tensors[name] = model.weights.get(name);
  write_safetensors(file, tensors, at::kHalf);
  return model.flops;
}

void vae_mid(Builder& b, const std::string& p, std::int64_t channels, std::int64_t pixels) {
  vae_resnet(b, p + ".resnets.0", channels, channels, pixels);
  b.norm(p + ".attentions.0.group_norm", channels);
  for (const char* projection : {".to_q", ".to_k", ".to_v", ".to_out.0"})
    b.linear(p + ".attentions.0" + projection, channels, channels, pixels);
  b.attention_products(pixels, pixels, channels);
  vae_resnet(b, p + ".resnets.1", channels, channels, pixels);
}

}  // namespace

RandomModel random_unet(Family family, std::int64_t latent_size, Weighting weighting) {
  RandomModel model;
  Builder b(model, weighting);
  const UNetShape shape = unet_shape(family);
  const std::vector<std::int64_t>& channels = shape.channels;
  std::int64_t size = latent_size;
  b.linear("time_embedding.linear_1", 320, 1280, 1);
  b.linear("time_embedding.linear_2", 1280, 1280, 1);
  if (shape.added_inputs > 0) {
    b.linear("add_embedding.linear_1", shape.added_inputs, 1280, 1);
    b.linear("add_embedding.linear_2", 1280, 1280, 1);
  }
  b.conv("conv_in", 4, 320, 3, size * size);
  std::vector<std::int64_t> skips = {320};
  std::int64_t previous = 320;
  for (std::size_t level = 0; level < channels.size(); ++level) {
    const std::string p = "down_blocks." + std::to_string(level);
    for (int j = 0; j < 2; ++j) {
      unet_resnet(b, p + ".resnets." + std::to_string(j), j == 0 ? previous : channels[level], channels[level],
                  size * size);
      if (shape.depth[level] > 0)
        unet_attention(b, p + ".attentions." + std::to_string(j), channels[level], shape, shape.depth[level],
                       size * size);
      skips.push_back(channels[level]);
    }
    previous = channels[level];
    if (level + 1 < channels.size()) {
      size /= 2;
      b.conv(p + ".downsamplers.0.conv", previous, previous, 3, size * size);
      skips.push_back(previous);
    }
  }
  const std::int64_t deepest = channels.back();
  unet_resnet(b, "mid_block.resnets.0", deepest, deepest, size * size);
  unet_attention(b, "mid_block.attentions.0", deepest, shape, shape.mid_depth, size * size);
  unet_resnet(b, "mid_block.resnets.1", deepest, deepest, size * size);
  for (std::size_t level = 0; level < channels.size(); ++level) {
    const std::size_t down_level = channels.size() - 1 - level;
    const std::string p = "up_blocks." + std::to_string(level);
    for (int j = 0; j < 3; ++j) {
      const std::int64_t in = (j == 0 ? previous : channels[down_level]) + skips.back();
      skips.pop_back();
      unet_resnet(b, p + ".resnets." + std::to_string(j), in, channels[down_level], size * size);
      if (shape.depth[down_level] > 0) {
        unet_attention(b, p + ".attentions." + std::to_string(j), channels[down_level], shape, shape.depth[down_level],
                       size * size);
      }
    }
    previous = channels[down_level];
    if (level + 1 < channels.size()) {
      size *= 2;
      b.conv(p + ".upsamplers.0.conv", previous, previous, 3, size * size);
    }
  }
  b.norm("conv_norm_out", 320);
  b.conv("conv_out", 320, 4, 3, size * size);
  return model;
}

UNetConfig unet_config(Family family) {
  UNetConfig config;
  config.norm_groups = 32;
  // SD1.5: 8 heads everywhere; SD2.1 and SDXL: 64-wide heads, so 5, 10, 20(, 20).
  config.heads_per_level = family == Family::sd15   ? std::vector<std::int64_t>{8}
                           : family == Family::sd21 ? std::vector<std::int64_t>{5, 10, 20, 20}
                                                    : std::vector<std::int64_t>{5, 10, 20};
  return config;
}

RandomModel random_vae_decoder(std::int64_t latent_size, Weighting weighting) {
  RandomModel model;
  Builder b(model, weighting);
  const std::vector<std::int64_t> channels = {128, 256, 512, 512};
  // The encoder is part of the model but not of the decode count; its FLOPs are subtracted.
  std::int64_t size = latent_size * 8;
  b.conv("encoder.conv_in", 3, 128, 3, size * size);
  std::int64_t previous = 128;
  for (std::size_t level = 0; level < channels.size(); ++level) {
    const std::string p = "encoder.down_blocks." + std::to_string(level);
    for (int j = 0; j < 2; ++j)
      vae_resnet(b, p + ".resnets." + std::to_string(j), j == 0 ? previous : channels[level], channels[level],
                 size * size);
    previous = channels[level];
    if (level + 1 < channels.size()) {
      size /= 2;
      b.conv(p + ".downsamplers.0.conv", previous, previous, 3, size * size);
    }
  }
  vae_mid(b, "encoder.mid_block", 512, size * size);
  b.norm("encoder.conv_norm_out", 512);
  b.conv("encoder.conv_out", 512, 8, 3, size * size);
  b.conv("quant_conv", 8, 8, 1, size * size);
  model.flops = 0;

  b.conv("post_quant_conv", 4, 4, 1, size * size);
  b.conv("decoder.conv_in", 4, 512, 3, size * size);
  vae_mid(b, "decoder.mid_block", 512, size * size);
  previous = 512;
  for (std::size_t level = 0; level < channels.size(); ++level) {
    const std::int64_t out = channels[channels.size() - 1 - level];
    const std::string p = "decoder.up_blocks." + std::to_string(level);
    for (int j = 0; j < 3; ++j)
      vae_resnet(b, p + ".resnets." + std::to_string(j), j == 0 ? previous : out, out, size * size);
    previous = out;
    if (level + 1 < channels.size()) {
      size *= 2;
      b.conv(p + ".upsamplers.0.conv", out, out, 3, size * size);
    }
  }
  b.norm("decoder.conv_norm_out", 128);
  b.conv("decoder.conv_out", 128, 3, 3, size * size);
  return model;
}

namespace {

// A CLIP text transformer of `layers` layers, `width` wide (MLP 4×).
RandomModel random_clip(std::int64_t width, int layers, Weighting weighting) {
  RandomModel model;
  Builder b(model, weighting);
  constexpr std::int64_t tokens = 77;
  const std::int64_t inner = 4 * width;
  b.embedding("text_model.embeddings.token_embedding.weight", 49408, width);
  b.embedding("text_model.embeddings.position_embedding.weight", tokens, width);
  for (int i = 0; i < layers; ++i) {
    const std::string p = "text_model.encoder.layers." + std::to_string(i);
    b.norm(p + ".layer_norm1", width);
    b.norm(p + ".layer_norm2", width);
    for (const char* projection :
         {".self_attn.q_proj", ".self_attn.k_proj", ".self_attn.v_proj", ".self_attn.out_proj"}) {
      b.linear(p + projection, width, width, tokens);
    }
    b.attention_products(tokens, tokens, width);
    b.linear(p + ".mlp.fc1", width, inner, tokens);
    b.linear(p + ".mlp.fc2", inner, width, tokens);
  }
  b.norm("text_model.final_layer_norm", width);
  return model;
}

}  // namespace

RandomModel random_text_encoder(Family family, Weighting weighting) {
  // SD2 runs 23 of OpenCLIP-H's 24 layers; SDXL's CLIP-L runs all 12 (its penultimate states are read).
  return family == Family::sd21 ? random_clip(1024, 23, weighting) : random_clip(768, 12, weighting);
}

RandomModel random_sdxl_big_g(Weighting weighting) {
  RandomModel model = random_clip(1280, 32, weighting);
  Builder b(model, weighting);
  b.linear("text_projection", 1280, 1280, 1, false);
  return model;
}

TextEncoderConfig text_encoder_config(Family family) {
  return family == Family::sd21 ? TextEncoderConfig{16, Activation::gelu, 1e-5}
                                : TextEncoderConfig{12, Activation::quick_gelu, 1e-5};
}

ModelFlops write_random_model_folder(const std::filesystem::path& folder, Family family,
                                     const std::filesystem::path& tokenizer) {
  namespace fs = std::filesystem;
  const bool sd21 = family == Family::sd21;
  write_json(folder / "model_index.json", {{"_class_name", "StableDiffusionPipeline"}});
  write_euler_scheduler(folder, sd21 ? "trailing" : "leading");
  fs::create_directories(folder / "tokenizer");
  for (const char* name : {"vocab.json", "merges.txt"})
    fs::copy_file(tokenizer / name, folder / "tokenizer" / name, fs::copy_options::overwrite_existing);
  write_json(folder / "tokenizer" / "special_tokens_map.json", {{"pad_token", sd21 ? "!" : "<|endoftext|>"}});
  write_json(folder / "text_encoder" / "config.json", {{"num_attention_heads", sd21 ? 16 : 12},
                                                       {"hidden_act", sd21 ? "gelu" : "quick_gelu"},
                                                       {"layer_norm_eps", 1e-5}});
  write_json(folder / "unet" / "config.json",
             {{"norm_num_groups", 32}, {"attention_head_dim", unet_config(family).heads_per_level}});
  write_json(folder / "vae" / "config.json", {{"norm_num_groups", 32}, {"scaling_factor", 0.18215}});
  ModelFlops flops;
  flops.text_encoder = write_weights(folder / "text_encoder" / "model.safetensors", random_text_encoder(family));
  flops.unet = write_weights(folder / "unet" / "diffusion_pytorch_model.safetensors", random_unet(family));
  flops.vae_decode = write_weights(folder / "vae" / "diffusion_pytorch_model.safetensors", random_vae_decoder());
  return flops;
}

ModelFlops sdxl_flops(std::int64_t latent_size) {
  return {
      random_text_encoder(Family::sdxl, Weighting::flops_only).flops + random_sdxl_big_g(Weighting::flops_only).flops,
      random_unet(Family::sdxl, latent_size, Weighting::flops_only).flops,
      random_vae_decoder(latent_size, Weighting::flops_only).flops};
}

void write_random_sdxl_folder(const std::filesystem::path& folder, const std::filesystem::path& tokenizer) {
  namespace fs = std::filesystem;
  write_json(folder / "model_index.json",
             {{"_class_name", "StableDiffusionXLPipeline"}, {"force_zeros_for_empty_prompt", true}});
  write_euler_scheduler(folder, "leading");
  for (const char* part : {"tokenizer", "tokenizer_2"}) {
    fs::create_directories(folder / part);
    for (const char* name : {"vocab.json", "merges.txt"})
      fs::copy_file(tokenizer / name, folder / part / name, fs::copy_options::overwrite_existing);
  }
  write_json(folder / "tokenizer_2" / "special_tokens_map.json", {{"pad_token", "!"}});
  write_json(folder / "text_encoder" / "config.json",
             {{"num_attention_heads", 12}, {"hidden_act", "quick_gelu"}, {"layer_norm_eps", 1e-5}});
  write_json(folder / "text_encoder_2" / "config.json",
             {{"num_attention_heads", 20}, {"hidden_act", "gelu"}, {"layer_norm_eps", 1e-5}});
  write_json(folder / "unet" / "config.json", {{"norm_num_groups", 32},
                                               {"attention_head_dim", unet_config(Family::sdxl).heads_per_level},
                                               {"use_linear_projection", true},
                                               {"addition_embed_type", "text_time"},
                                               {"addition_time_embed_dim", 256},
                                               {"cross_attention_dim", 2048}});
  write_json(folder / "vae" / "config.json",
             {{"norm_num_groups", 32}, {"scaling_factor", 0.13025}, {"force_upcast", true}});
  // Built in float16 (the UNet's 2.6 billion parameters are 5.1 GB so, 10.3 GB in float32).
  write_weights(folder / "text_encoder" / "model.safetensors", random_text_encoder(Family::sdxl, Weighting::fp16));
  write_weights(folder / "text_encoder_2" / "model.safetensors", random_sdxl_big_g(Weighting::fp16));
  write_weights(folder / "unet" / "diffusion_pytorch_model.safetensors",
                random_unet(Family::sdxl, 128, Weighting::fp16));
  write_weights(folder / "vae" / "diffusion_pytorch_model.safetensors", random_vae_decoder(128, Weighting::fp16));
}

}  // namespace easel::diffusion::bench
