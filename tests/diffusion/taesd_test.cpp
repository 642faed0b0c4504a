// The TAESD preview decoder (easel/diffusion/taesd.hpp). There is no reference golden for it, so the
// tests write decoder files of their own in both layouts the repository ships: random weights (both
// layouts must decode identically, at 8× the latent size) and hand-made pointwise weights whose output
// follows from the architecture by hand.
#include "easel/diffusion/taesd.hpp"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "easel/core/error.hpp"
#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/diffusion/tensor_file.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

using test::expect_error;

constexpr std::int64_t width = 64;  // the real decoder's width

enum class Layout { original, diffusers };

// Tensor names of layer `index` (diffusers numbering: conv_in = 0) in a layout.
std::string layer(Layout layout, int index) {
  return layout == Layout::diffusers ? "decoder.layers." + std::to_string(index) : std::to_string(index + 1);
}

// A 3×3 kernel that only has its centre: a per-pixel channel map `scale`·identity.
at::Tensor centre_kernel(std::int64_t out, std::int64_t in, double scale) {
  at::Tensor kernel = at::zeros({out, in, 3, 3});
  for (std::int64_t c = 0; c < std::min(out, in); ++c) kernel[c][c][1][1] = scale;
  return kernel;
}

// How each tensor of the decoder is made. `shape` is the real one.
using Maker = std::function<at::Tensor(const std::string& name, std::vector<std::int64_t> shape)>;

std::map<std::string, at::Tensor> decoder_tensors(Layout layout, const Maker& make) {
  std::map<std::string, at::Tensor> tensors;
  const auto conv = [&](const std::string& name, std::int64_t out, std::int64_t in, bool bias) {
    tensors[name + ".weight"] = make(name + ".weight", {out, in, 3, 3});
    if (bias) tensors[name + ".bias"] = make(name + ".bias", {out});
  };
  const auto block = [&](int index) {
    for (const char* part : {".conv.0", ".conv.2", ".conv.4"}) conv(layer(layout, index) + part, width, width, true);
  };
  conv(layer(layout, 0), width, 4, true);
  int index = 2;
  for (int stage = 0; stage < 3; ++stage) {
    for (int b = 0; b < 3; ++b) block(index++);
    ++index;
    conv(layer(layout, index++), width, width, false);
  }
  block(index++);
  conv(layer(layout, index), 3, width, true);
  if (layout == Layout::diffusers)
    tensors["encoder.layers.0.weight"] = at::zeros({width, 3, 3, 3});  // the folder's encoder is ignored
  return tensors;
}

std::filesystem::path write_decoder(Layout layout, const Maker& make, at::ScalarType dtype = at::kFloat) {
  const auto folder = easel::test::temp_dir();
  const auto file = folder / (layout == Layout::diffusers ? taesd_diffusers_file : taesd_decoder_file);
  write_safetensors(file, decoder_tensors(layout, make), dtype);
  return file;
}

at::Tensor random_tensor(const std::string&, std::vector<std::int64_t> shape) {
  const std::int64_t fan_in = shape.size() == 4 ? shape[1] * 9 : 1;
  return at::randn(shape) / std::sqrt(static_cast<double>(fan_in));
}

// Every convolution pointwise: conv_in, the upsampling convs and conv_out copy channels, every block
// is the identity (its convolutions zero: ReLU(0 + x) = x for x ≥ 0) except two, whose effect on a
// pixel value x ≥ 0 is worked out by hand below.
at::Tensor pointwise_tensor(Layout layout, const std::string& name, std::vector<std::int64_t> shape) {
  const bool weight = name.ends_with(".weight");
  const std::string first_block = layer(layout, 2), last_block = layer(layout, 17);
  if (name.starts_with(first_block + ".conv.")) {
    // conv.0: 2x − 1, conv.2 and conv.4: identity → block(x) = ReLU(ReLU(2x − 1) + x) = ReLU(2x − 1) + x.
    const bool doubling = name.starts_with(first_block + ".conv.0");
    if (weight) return centre_kernel(shape[0], shape[1], doubling ? 2.0 : 1.0);
    return at::full(shape, doubling ? -1.0 : 0.0);
  }
  if (name.starts_with(last_block + ".conv.")) {
    // Zero convolutions, conv.4's bias 0.25 → block(x) = ReLU(0.25 + x) = x + 0.25.
    if (weight) return at::zeros(shape);
    return at::full(shape, name.starts_with(last_block + ".conv.4") ? 0.25 : 0.0);
  }
  if (name.find(".conv.") != std::string::npos) return at::zeros(shape);
  return weight ? centre_kernel(shape[0], shape[1], 1.0) : at::zeros(shape);
}

TEST(Taesd, BothLayoutsDecodeRandomWeightsIdenticallyAtEightTimesTheLatentSize) {
  at::manual_seed(5);
  const auto tensors = decoder_tensors(Layout::original, random_tensor);
  // The same weights under the other layout's names.
  const auto original = write_decoder(
      Layout::original, [&](const std::string& name, std::vector<std::int64_t>) { return tensors.at(name); });
  const auto diffusers =
      write_decoder(Layout::diffusers, [&](const std::string& name, std::vector<std::int64_t> shape) {
        if (name.starts_with("encoder.")) return at::zeros(shape);
        const std::string rest = name.substr(std::string("decoder.layers.").size());
        const int index = std::stoi(rest.substr(0, rest.find('.')));
        return tensors.at(std::to_string(index + 1) + rest.substr(rest.find('.')));
      });
  const TinyDecoder from_original(original), from_folder(diffusers.parent_path());
  const at::Tensor latents = at::randn({2, 4, 6, 10});
  const at::Tensor image = from_original.decode(latents);
  EXPECT_EQ(image.sizes().vec(), (std::vector<std::int64_t>{2, 3, 48, 80}));
  EXPECT_TRUE(at::isfinite(image).all().item<bool>());
  EXPECT_TRUE(at::equal(image, from_folder.decode(latents)));
  // Half-precision files (as published) load too, within half's rounding.
  const TinyDecoder from_half(write_decoder(
      Layout::original, [&](const std::string& name, std::vector<std::int64_t>) { return tensors.at(name); },
      at::kHalf));
  EXPECT_LT(((from_half.decode(latents) - image).norm() / image.norm()).item<double>(), 5e-3);
}

TEST(Taesd, PointwiseWeightsGiveTheHandComputedImage) {
  for (const Layout layout : {Layout::original, Layout::diffusers}) {
    const auto file = write_decoder(layout, [&](const std::string& name, std::vector<std::int64_t> shape) {
      return pointwise_tensor(layout, name, shape);
    });
    const TinyDecoder decoder(file);
    const at::Tensor latents = at::linspace(-8, 8, 4 * 3 * 5).reshape({1, 4, 3, 5});
    // Clamp 3·tanh(z/3), conv_in + ReLU, the first block ReLU(2x − 1) + x, nearest ×8, the last block
    // x + 0.25, conv_out keeps RGB; TAESD's [0, 1] → [-1, 1].
    const at::Tensor x = at::relu(at::tanh(latents / 3) * 3);
    const at::Tensor blocks = at::relu(2 * x - 1) + x;
    const at::Tensor expected = (at::upsample_nearest2d(blocks, {24, 40}).slice(1, 0, 3) + 0.25) * 2 - 1;
    const at::Tensor image = decoder.decode(latents);
    ASSERT_EQ(image.sizes(), expected.sizes());
    EXPECT_LT((image - expected).abs().max().item<double>(), 1e-5);
    // The clamp bounds every value: x < 3, so the image stays within [-0.5, 2·(5 + 3 + 0.25) − 1).
    EXPECT_GE(image.min().item<double>(), -0.5);
    EXPECT_LT(image.max().item<double>(), 15.5);
  }
}

TEST(Taesd, MissingOrMisshapedTensorsAndFilesAreNamed) {
  const auto file = write_decoder(Layout::diffusers, random_tensor);
  auto tensors = decoder_tensors(Layout::diffusers, random_tensor);
  tensors.erase("decoder.layers.7.conv.2.weight");
  const auto missing = easel::test::temp_dir() / "missing.safetensors";
  write_safetensors(missing, tensors, at::kFloat);
  expect_error([&] { (void)TinyDecoder(missing); }, ErrorKind::input, "decoder.layers.7.conv.2.weight");

  tensors = decoder_tensors(Layout::original, random_tensor);
  tensors["7.weight"] = at::zeros({width, width, 1, 1});  // the first upsampling conv is 3×3
  const auto misshaped = easel::test::temp_dir() / "misshaped.safetensors";
  write_safetensors(misshaped, tensors, at::kFloat);
  expect_error([&] { (void)TinyDecoder(misshaped); }, ErrorKind::input, "'7.weight'");

  const auto other = easel::test::temp_dir() / "other.safetensors";
  write_safetensors(other, {{"conv_in.weight", at::zeros({4, 4, 3, 3})}}, at::kFloat);
  expect_error([&] { (void)TinyDecoder(other); }, ErrorKind::input, "is not a TAESD decoder");

  const auto empty = easel::test::temp_dir();
  expect_error([&] { (void)TinyDecoder(empty); }, ErrorKind::capability, taesd_pull_command);
  expect_error([&] { (void)TinyDecoder(empty / taesd_decoder_file); }, ErrorKind::capability, taesd_pull_command);
  EXPECT_FALSE(find_taesd(empty));
  EXPECT_EQ(find_taesd(file.parent_path()), file);
}

TEST(Taesd, EnginePreviewsUseItWhenPresentAndLeaveTheResultUnchanged) {
  const auto file = write_decoder(Layout::original, [](const std::string& name, std::vector<std::int64_t> shape) {
    return pointwise_tensor(Layout::original, name, shape);
  });
  DiffusionEngineOptions options{{}, test::sd_reference() / "tokenizer"};
  options.taesd_folders = {easel::test::temp_dir(), file.parent_path()};  // the first has none: the next is searched
  const auto engine = make_diffusion_engine(options);
  GenerationRequest request;
  request.model = (test::models() / "sd1").string();
  request.prompt = "a photo of a cat";
  request.width = 80;
  request.height = 48;
  request.steps = 4;
  const GenerationResult plain = engine->generate(request);

  std::vector<cv::Mat> previews;
  request.previews = 2;
  request.on_preview = [&](const Image& image, int) { previews.push_back(image.mat().clone()); };
  const GenerationResult with_previews = engine->generate(request);
  ASSERT_EQ(previews.size(), 2u);
  for (const cv::Mat& preview : previews) {
    ASSERT_EQ(preview.size(), cv::Size(80, 48));
    // The pointwise decoder upsamples nearest ×8, so every 8×8 block is one colour (the VAE's are not).
    for (int y = 0; y < 48; y += 8) {
      for (int x = 0; x < 80; x += 8) {
        const cv::Mat block = preview(cv::Rect(x, y, 8, 8));
        EXPECT_EQ(cv::norm(block, cv::Mat(8, 8, CV_8UC4, block.at<cv::Vec4b>(0, 0)), cv::NORM_INF), 0) << x << "," << y;
      }
    }
  }
  EXPECT_EQ(cv::norm(with_previews.images.front().mat(), plain.images.front().mat(), cv::NORM_INF), 0);
}

// SDXL latents are previewed by TAESD-XL, never by SD's TAESD (which would give wrong colours): with only
// TAESD installed an SDXL model's previews are VAE decodes, and asking for TAESD names taesdxl's download.
TEST(Taesd, SdxlPreviewsTakeTaesdXlAndNeverSdsTaesd) {
  const auto file = write_decoder(Layout::original, [](const std::string& name, std::vector<std::int64_t> shape) {
    return pointwise_tensor(Layout::original, name, shape);
  });
  GenerationRequest request;
  request.model = (test::sdxl_reference() / "models" / "base").string();
  request.prompt = "a photo of a cat";
  request.width = 64;
  request.height = 64;
  request.steps = 3;
  request.previews = 1;
  cv::Mat preview;
  request.on_preview = [&](const Image& image, int) { preview = image.mat().clone(); };
  const auto blocky = [&] {
    for (int y = 0; y < 64; y += 8)
      for (int x = 0; x < 64; x += 8) {
        const cv::Mat block = preview(cv::Rect(x, y, 8, 8));
        if (cv::norm(block, cv::Mat(8, 8, CV_8UC4, block.at<cv::Vec4b>(0, 0)), cv::NORM_INF) != 0) return false;
      }
    return true;
  };

  DiffusionEngineOptions options{{}, test::sd_reference() / "tokenizer"};
  options.taesd_folders = {file.parent_path()};
  make_diffusion_engine(options)->generate(request);
  ASSERT_FALSE(preview.empty());
  EXPECT_FALSE(blocky()) << "SD's TAESD decoded SDXL latents";

  options.preview_decoder = DiffusionEngineOptions::PreviewDecoder::taesd;
  expect_error([&] { make_diffusion_engine(options)->generate(request); }, ErrorKind::capability, taesdxl_pull_command);

  options.taesdxl_folders = {file.parent_path()};
  preview = cv::Mat();
  make_diffusion_engine(options)->generate(request);
  ASSERT_FALSE(preview.empty());
  EXPECT_TRUE(blocky()) << "TAESD-XL (here the pointwise decoder) made the preview";
}

}  // namespace
}  // namespace easel::diffusion
