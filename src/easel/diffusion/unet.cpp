#include "easel/diffusion/unet.hpp"

#include <cmath>
#include <optional>

#include "easel/core/error.hpp"
#include "easel/diffusion/layers.hpp"

namespace easel::diffusion {
namespace {

struct ResnetBlock {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2;
  Linear time_projection;
  std::optional<Conv2d> shortcut;

  ResnetBlock(const Weights& weights, const std::string& prefix, std::int64_t groups, double eps)
      : norm1(weights, prefix + ".norm1", groups, eps),
        norm2(weights, prefix + ".norm2", groups, eps),
        conv1(weights, prefix + ".conv1"),
        conv2(weights, prefix + ".conv2"),
        time_projection(weights, prefix + ".time_emb_proj") {
    if (weights.contains(prefix + ".conv_shortcut.weight")) shortcut.emplace(weights, prefix + ".conv_shortcut");
  }

  void index(LayerIndex& layers) {
    layers.add(conv1);
    layers.add(conv2);
    layers.add(time_projection);
    if (shortcut) layers.add(*shortcut);
  }

  at::Tensor operator()(const at::Tensor& x, const at::Tensor& time_embedding) const {
    at::Tensor h = conv1(at::silu(norm1(x)));
    h = h + time_projection(at::silu(time_embedding)).unsqueeze(-1).unsqueeze(-1);
    h = conv2(at::silu(norm2(h)));
    return (shortcut ? (*shortcut)(x) : x) + h;
  }
};

struct TransformerBlock {
  LayerNorm norm1, norm2, norm3;
  Linear self_q, self_k, self_v, self_out;
  Linear cross_q, cross_k, cross_v, cross_out;
  Linear geglu, feed_out;

  TransformerBlock(const Weights& weights, const std::string& prefix)
      : norm1(weights, prefix + ".norm1", 1e-5),
        norm2(weights, prefix + ".norm2", 1e-5),
        norm3(weights, prefix + ".norm3", 1e-5),
        self_q(weights, prefix + ".attn1.to_q", false, LinearKernel::onednn),
        self_k(weights, prefix + ".attn1.to_k", false, LinearKernel::onednn),
        self_v(weights, prefix + ".attn1.to_v", false, LinearKernel::onednn),
        self_out(weights, prefix + ".attn1.to_out.0", true, LinearKernel::onednn),
        cross_q(weights, prefix + ".attn2.to_q", false, LinearKernel::onednn),
        cross_k(weights, prefix + ".attn2.to_k", false, LinearKernel::onednn),
        cross_v(weights, prefix + ".attn2.to_v", false, LinearKernel::onednn),
        cross_out(weights, prefix + ".attn2.to_out.0", true, LinearKernel::onednn),
        geglu(weights, prefix + ".ff.net.0.proj", true, LinearKernel::onednn),
        feed_out(weights, prefix + ".ff.net.2", true, LinearKernel::onednn) {}

  void index(LayerIndex& layers) {
    for (Linear* linear :
         {&self_q, &self_k, &self_v, &self_out, &cross_q, &cross_k, &cross_v, &cross_out, &geglu, &feed_out})
      layers.add(*linear);
  }

  at::Tensor operator()(at::Tensor h, const at::Tensor& context, std::int64_t heads) const {
    at::Tensor normed = norm1(h);
    h = self_out(multi_head_attention(self_q(normed), self_k(normed), self_v(normed), heads, false), h);
    normed = norm2(h);
    h = cross_out(multi_head_attention(cross_q(normed), cross_k(context), cross_v(context), heads, false), h);
    // GEGLU in place over its projection: value · gelu(gate), which feed_out reads as strided rows.
    const at::Tensor projected = geglu(norm3(h));
    at::Tensor value = projected.narrow(-1, 0, projected.size(-1) / 2);
    at::Tensor gate = projected.narrow(-1, projected.size(-1) / 2, projected.size(-1) / 2);
    value.mul_(at::gelu_(gate));
    return feed_out(value, h);
  }
};

// Transformer2DModel: GroupNorm, projection in (1×1 conv in SD1, linear in SD2), transformer blocks,
// projection out, residual.
struct SpatialTransformer {
  GroupNorm norm;
  Linear linear_in, linear_out;
  std::optional<Conv2d> conv_in, conv_out;
  std::vector<TransformerBlock> blocks;
  std::int64_t heads = 1;

  // `level`'s heads (UNetConfig::heads_at), or as many heads of config.head_width as the width holds.
  SpatialTransformer(const Weights& weights, const std::string& prefix, const UNetConfig& config, std::size_t level)
      : norm(weights, prefix + ".norm", config.norm_groups, 1e-6) {
    if (weights.get(prefix + ".proj_in.weight").dim() == 4) {
      conv_in.emplace(weights, prefix + ".proj_in");
      conv_out.emplace(weights, prefix + ".proj_out");
    } else {
      linear_in = Linear(weights, prefix + ".proj_in", true, LinearKernel::onednn);
      linear_out = Linear(weights, prefix + ".proj_out", true, LinearKernel::onednn);
    }
    for (int i = 0; weights.contains(prefix + ".transformer_blocks." + std::to_string(i) + ".norm1.weight"); ++i) {
      blocks.emplace_back(weights, prefix + ".transformer_blocks." + std::to_string(i));
    }
    const std::int64_t width = norm.weight.size(0);
    if (config.head_width > 0 && width % config.head_width != 0) {
      throw Error(ErrorKind::input, "tensor '" + prefix + ".norm.weight' in " + weights.source() + ": width " +
                                        std::to_string(width) + " does not hold whole heads of width " +
                                        std::to_string(config.head_width));
    }
    heads = config.head_width > 0 ? width / config.head_width : config.heads_at(level);
    if (heads < 1 || width % heads != 0) {
      throw Error(ErrorKind::input, "tensor '" + prefix + ".norm.weight' in " + weights.source() + ": width " +
                                        std::to_string(width) + " is not divisible by " + std::to_string(heads) +
                                        " heads (the config's attention_head_dim)");
    }
  }

  void index(LayerIndex& layers) {
    if (conv_in) {
      layers.add(*conv_in);
      layers.add(*conv_out);
    } else {
      layers.add(linear_in);
      layers.add(linear_out);
    }
    for (TransformerBlock& block : blocks) block.index(layers);
  }

  at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const {
    const std::int64_t batch = x.size(0), height = x.size(2), width = x.size(3);
    at::Tensor h = norm(x);
    if (conv_in) h = (*conv_in)(h);
    const std::int64_t inner = h.size(1);
    h = h.permute({0, 2, 3, 1}).reshape({batch, height * width, inner});
    if (!conv_in) h = linear_in(h);
    for (const auto& block : blocks) h = block(h, context, heads);
    if (!conv_in) h = linear_out(h);
    h = h.reshape({batch, height, width, -1}).permute({0, 3, 1, 2}).contiguous();
    if (conv_out) h = (*conv_out)(h);
    return h + x;
  }
};

struct Level {
  std::vector<ResnetBlock> resnets;
  std::vector<SpatialTransformer> attentions;  // empty for blocks without attention
  std::optional<Conv2d> resample;              // stride-2 downsampler or post-upsampling conv

  void index(LayerIndex& layers) {
    for (ResnetBlock& resnet : resnets) resnet.index(layers);
    for (SpatialTransformer& attention : attentions) attention.index(layers);
    if (resample) layers.add(*resample);
  }
};

Level read_level(const Weights& weights, const std::string& prefix, const UNetConfig& config, std::size_t heads_level,
                 bool down) {
  Level level;
  for (int j = 0; weights.contains(prefix + ".resnets." + std::to_string(j) + ".conv1.weight"); ++j) {
    level.resnets.emplace_back(weights, prefix + ".resnets." + std::to_string(j), config.norm_groups, config.norm_eps);
    if (weights.contains(prefix + ".attentions." + std::to_string(j) + ".norm.weight")) {
      level.attentions.emplace_back(weights, prefix + ".attentions." + std::to_string(j), config, heads_level);
    }
  }
  if (level.resnets.empty())
    throw Error(ErrorKind::input, "tensor '" + prefix + ".resnets.0.conv1.weight' is missing from " + weights.source());
  if (!level.attentions.empty() && level.attentions.size() != level.resnets.size()) {
    throw Error(ErrorKind::input, "tensor '" + prefix + ".attentions." + std::to_string(level.attentions.size()) +
                                      ".norm.weight' is missing from " + weights.source());
  }
  const std::string resample = prefix + (down ? ".downsamplers.0.conv" : ".upsamplers.0.conv");
  if (weights.contains(resample + ".weight")) level.resample.emplace(weights, resample, down ? 2 : 1);
  return level;
}

// Sinusoidal embeddings of `values` (N) in `channels` (even) channels, as diffusers' Timesteps.
at::Tensor sinusoids(const at::Tensor& values, std::int64_t channels, const UNetConfig& config) {
  const std::int64_t half = channels / 2;
  const at::Tensor exponent =
      -std::log(10000.0) * at::arange(half, at::kFloat) / (static_cast<double>(half) - config.freq_shift);
  const at::Tensor angles = values.to(at::kFloat).reshape({-1}).unsqueeze(1) * at::exp(exponent).unsqueeze(0);
  return config.flip_sin_to_cos ? at::cat({at::cos(angles), at::sin(angles)}, -1)
                                : at::cat({at::sin(angles), at::cos(angles)}, -1);
}

}  // namespace

struct UNet::Network {
  UNetConfig config;
  Linear time_linear_1, time_linear_2;
  // SDXL's added embedding (add_embedding.linear_1/2) of the pooled text and the time ids; absent in SD1/2.
  std::optional<Linear> added_linear_1, added_linear_2;
  std::int64_t time_channels;
  Conv2d conv_in;
  std::vector<Level> down, up;
  // Distilled UNets (BK-SDM) drop the middle block.
  std::optional<ResnetBlock> mid_resnet_1, mid_resnet_2;
  std::optional<SpatialTransformer> mid_attention;
  GroupNorm norm_out;
  Conv2d conv_out;
  std::int64_t context_dim;

  Network(const Weights& weights, UNetConfig config_)
      : config(std::move(config_)),
        time_linear_1(weights, "time_embedding.linear_1"),
        time_linear_2(weights, "time_embedding.linear_2"),
        time_channels(time_linear_1.weight.size(1)),
        conv_in(weights, "conv_in"),
        norm_out(weights, "conv_norm_out", config.norm_groups, config.norm_eps),
        conv_out(weights, "conv_out") {
    if (weights.contains("add_embedding.linear_1.weight")) {
      added_linear_1.emplace(weights, "add_embedding.linear_1");
      added_linear_2.emplace(weights, "add_embedding.linear_2");
    }
    if (time_channels % 2 != 0 || static_cast<double>(time_channels / 2) <= config.freq_shift) {
      throw Error(ErrorKind::input,
                  "tensor 'time_embedding.linear_1.weight' in " + weights.source() + " takes " +
                      std::to_string(time_channels) +
                      " inputs: the sinusoidal timestep embedding needs an even width above 2 × freq_shift");
    }
    std::size_t levels = 0;
    while (weights.contains("down_blocks." + std::to_string(levels) + ".resnets.0.conv1.weight")) ++levels;
    if (levels == 0)
      throw Error(ErrorKind::input,
                  "tensor 'down_blocks.0.resnets.0.conv1.weight' is missing from " + weights.source());
    // Each level halves the latents; more than SD's 4 would not fit any image Easel generates.
    if (levels > max_unet_levels) {
      throw Error(ErrorKind::input, weights.source() + " has a UNet of " + std::to_string(levels) +
                                        " levels (tensor 'down_blocks." + std::to_string(levels - 1) +
                                        ".resnets.0.conv1.weight'); at most " + std::to_string(max_unet_levels) +
                                        " are supported");
    }
    for (std::size_t i = 0; i < levels; ++i) {
      down.push_back(read_level(weights, "down_blocks." + std::to_string(i), config, i, true));
      up.push_back(read_level(weights, "up_blocks." + std::to_string(i), config, levels - 1 - i, false));
    }
    if (weights.contains("mid_block.resnets.0.conv1.weight")) {
      mid_resnet_1.emplace(weights, "mid_block.resnets.0", config.norm_groups, config.norm_eps);
      mid_resnet_2.emplace(weights, "mid_block.resnets.1", config.norm_groups, config.norm_eps);
    }
    if (weights.contains("mid_block.attentions.0.norm.weight")) {
      mid_attention.emplace(weights, "mid_block.attentions.0", config, levels - 1);
    }
    context_dim = 0;
    for (const auto& level : down) {
      for (const auto& attention : level.attentions) context_dim = attention.blocks.at(0).cross_k.weight.size(1);
    }
  }

  LayerIndex index() {
    LayerIndex layers;
    for (Linear* linear : {&time_linear_1, &time_linear_2}) layers.add(*linear);
    if (added_linear_1) {
      layers.add(*added_linear_1);
      layers.add(*added_linear_2);
    }
    layers.add(conv_in);
    layers.add(conv_out);
    for (Level& level : down) level.index(layers);
    for (Level& level : up) level.index(layers);
    for (std::optional<ResnetBlock>* resnet : {&mid_resnet_1, &mid_resnet_2})
      if (*resnet) (*resnet)->index(layers);
    if (mid_attention) mid_attention->index(layers);
    return layers;
  }

  at::Tensor time_embedding(const at::Tensor& timesteps, std::int64_t batch, at::ScalarType dtype) const {
    const at::Tensor embedding =
        sinusoids(timesteps.to(at::kFloat).reshape({-1}).expand({batch}), time_channels, config);
    return time_linear_2(at::silu(time_linear_1(embedding.to(dtype))));
  }

  // diffusers' "text_time" embedding: each time id embedded in the channels add_embedding.linear_1 leaves
  // beside the pooled text (SDXL: 256 each, 1280 + 6 · 256 = 2816), in id order, after the pooled text.
  at::Tensor added_embedding(const AddedConditioning& added, at::ScalarType dtype) const {
    const std::int64_t inputs = added_linear_1->weight.size(1), text = added.text_embeds.size(1),
                       ids = added.time_ids.size(1);
    const std::int64_t channels = ids > 0 ? (inputs - text) / ids : 0;
    if (channels < 2 || channels % 2 != 0 || text + ids * channels != inputs) {
      throw Error(ErrorKind::input, "tensor 'add_embedding.linear_1.weight' takes " + std::to_string(inputs) +
                                        " inputs, which a " + std::to_string(text) +
                                        "-wide pooled text embedding and " + std::to_string(ids) +
                                        " time ids in an even number of channels each do not fill");
    }
    const at::Tensor times = sinusoids(added.time_ids, channels, config).reshape({added.time_ids.size(0), -1});
    const at::Tensor input = at::cat({added.text_embeds.to(at::kFloat), times}, -1).to(dtype);
    return (*added_linear_2)(at::silu((*added_linear_1)(input)));
  }

  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& context,
                     const AddedConditioning& added) const {
    at::Tensor embedding = time_embedding(timesteps, sample.size(0), sample.scalar_type());
    if (added.text_embeds.defined()) embedding = embedding + added_embedding(added, sample.scalar_type());
    at::Tensor h = conv_in(sample);
    std::vector<at::Tensor> skips{h};
    for (const Level& level : down) {
      for (std::size_t j = 0; j < level.resnets.size(); ++j) {
        h = level.resnets[j](h, embedding);
        if (!level.attentions.empty()) h = level.attentions[j](h, context);
        skips.push_back(h);
      }
      if (level.resample) {
        h = (*level.resample)(h);
        skips.push_back(h);
      }
    }
    if (mid_resnet_1) h = (*mid_resnet_1)(h, embedding);
    if (mid_attention) h = (*mid_attention)(h, context);
    if (mid_resnet_2) h = (*mid_resnet_2)(h, embedding);
    for (const Level& level : up) {
      for (std::size_t j = 0; j < level.resnets.size(); ++j) {
        if (skips.empty())
          throw Error(ErrorKind::input, "UNet up path consumes more skip connections than the down path makes");
        h = at::cat({h, skips.back()}, 1);
        skips.pop_back();
        h = level.resnets[j](h, embedding);
        if (!level.attentions.empty()) h = level.attentions[j](h, context);
      }
      if (level.resample) {
        // Nearest upsampling to the size of the skip tensor it meets next (2× unless the input was odd).
        const std::vector<std::int64_t> target =
            skips.empty() ? std::vector<std::int64_t>{h.size(2) * 2, h.size(3) * 2}
                          : std::vector<std::int64_t>{skips.back().size(2), skips.back().size(3)};
        h = (*level.resample)(at::upsample_nearest2d(h, target));
      }
    }
    return conv_out(at::silu(norm_out(h)));
  }
};

UNet::UNet(const Weights& weights, UNetConfig config)
    : network_(std::make_unique<Network>(weights, std::move(config))) {
  // A forward pass at the smallest size the levels allow finds tensors that do not fit together now,
  // at load, with the first such tensor named, rather than in the middle of a generation.
  const std::int64_t size = std::int64_t{1} << (network_->down.size() - 1);
  const auto options = at::TensorOptions().dtype(network_->conv_in.weight.scalar_type());
  (void)network_->forward(at::zeros({1, in_channels(), size, size}, options), at::zeros({}),
                          at::zeros({1, 1, context_dim()}, options), {});
  if (network_->added_linear_1) {
    // The added embedding's layers, apart: how its inputs split into text and time ids shows at the first call.
    const std::int64_t inputs = network_->added_linear_1->weight.size(1);
    const at::Tensor added =
        (*network_->added_linear_2)(at::silu((*network_->added_linear_1)(at::zeros({1, inputs}, options))));
    if (added.size(1) != network_->time_linear_2.weight.size(0)) {
      throw Error(ErrorKind::input, "tensor 'add_embedding.linear_2.weight' gives " + std::to_string(added.size(1)) +
                                        " channels, but the timestep embedding has " +
                                        std::to_string(network_->time_linear_2.weight.size(0)));
    }
  }
}
UNet::~UNet() = default;
UNet::UNet(UNet&&) noexcept = default;
UNet& UNet::operator=(UNet&&) noexcept = default;

at::Tensor UNet::forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& context,
                         const AddedConditioning& added) const {
  if (sample.dim() != 4 || sample.size(1) != in_channels()) {
    throw Error(ErrorKind::input, "UNet expects (B, " + std::to_string(in_channels()) + ", h, w) latents");
  }
  if (context.dim() != 3 || context.size(0) != sample.size(0) || context.size(2) != context_dim()) {
    throw Error(ErrorKind::input, "UNet expects (B, tokens, " + std::to_string(context_dim()) + ") text states");
  }
  if (takes_added_conditioning() != added.text_embeds.defined() ||
      added.text_embeds.defined() != added.time_ids.defined()) {
    throw Error(ErrorKind::input, takes_added_conditioning()
                                      ? "this UNet (SDXL) needs the pooled text embedding and the time ids"
                                      : "this UNet takes no pooled text embedding or time ids (they are SDXL's)");
  }
  if (added.text_embeds.defined() &&
      (added.text_embeds.dim() != 2 || added.time_ids.dim() != 2 || added.text_embeds.size(0) != sample.size(0) ||
       added.time_ids.size(0) != sample.size(0))) {
    throw Error(ErrorKind::input, "UNet expects (B, width) pooled text embeddings and (B, n) time ids");
  }
  // The network computes in its weights' type (bfloat16 with Precision::bf16); callers keep theirs.
  const at::ScalarType type = network_->conv_in.weight.scalar_type();
  return network_->forward(sample.to(type), timesteps, context.to(type), added).to(sample.scalar_type());
}

void UNet::set_weights(const std::map<std::string, at::Tensor>& weights) { network_->index().set_weights(weights); }

bool UNet::takes_added_conditioning() const { return network_->added_linear_1.has_value(); }

std::int64_t UNet::in_channels() const { return network_->conv_in.weight.size(1); }
std::int64_t UNet::context_dim() const { return network_->context_dim; }
std::int64_t UNet::out_channels() const { return network_->conv_out.weight.size(0); }

}  // namespace easel::diffusion
