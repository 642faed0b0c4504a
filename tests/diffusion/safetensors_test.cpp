#include "easel/model_files/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "easel/core/error.hpp"
#include "easel/diffusion/tensor_file.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

std::filesystem::path write_file(const std::string& header, const std::string& data) {
  const auto path = test::temp_dir() / "weights.safetensors";
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t size = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((size >> (8 * i)) & 0xffu));
  out << header << data;
  return path;
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

// Expects an input error whose message contains `fragment`.
template <typename Body>
void expect_input_error(Body&& body, const std::string& fragment) {
  try {
    body();
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(Safetensors, ConvertsFloat32HalfAndBfloat16) {
  // 1.5, -2, 65504 (largest half), 2^-24 (smallest subnormal half).
  const std::string halves = raw<std::uint16_t>({0x3e00, 0xc000, 0x7bff, 0x0001});
  const std::string bfloats = raw<std::uint16_t>({0x3fc0, 0xc000});
  const std::string floats = raw<float>({0.25f, -3.0f});
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"f":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})";
  const SafetensorsFile file(write_file(header, halves + bfloats + floats));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.info("h").shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(file.floats("h"), (std::vector<float>{1.5f, -2.0f, 65504.0f, 5.9604645e-8f}));
  EXPECT_EQ(file.floats("b"), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(file.floats("f"), (std::vector<float>{0.25f, -3.0f}));
  // Loading a model widens through ATen instead: the same values, shape kept.
  for (const char* name : {"h", "b", "f"}) {
    const at::Tensor tensor = read_tensor(file, name);
    EXPECT_EQ(tensor.scalar_type(), at::kFloat) << name;
    EXPECT_EQ(tensor.sizes().vec(), file.info(name).shape) << name;
    EXPECT_EQ(std::vector<float>(tensor.data_ptr<float>(), tensor.data_ptr<float>() + tensor.numel()),
              file.floats(name))
        << name;
  }
}

TEST(Safetensors, ReadsReferenceCheckpoint) {
  const SafetensorsFile file(test::reference_dir() / "sd" / "models" / "sd1.safetensors");
  EXPECT_EQ(file.tensors().size(), 604u);
  const auto& conv_in = file.info("model.diffusion_model.input_blocks.0.0.weight");
  EXPECT_EQ(conv_in.shape, (std::vector<std::int64_t>{16, 4, 3, 3}));
  EXPECT_EQ(file.floats("model.diffusion_model.input_blocks.0.0.weight").size(), 16u * 4 * 9);
}

TEST(Safetensors, TruncatedFileIsRejected) {
  const auto path = write_file(R"({"f":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", raw<float>({1, 2, 3, 4}));
  std::filesystem::resize_file(path, 30);
  expect_input_error([&] { SafetensorsFile{path}; }, "truncated");
  std::filesystem::resize_file(path, 5);
  expect_input_error([&] { SafetensorsFile{path}; }, "truncated");
}

TEST(Safetensors, OffsetPastTheEndIsRejected) {
  const auto path = write_file(R"({"f":{"dtype":"F32","shape":[4],"data_offsets":[0,64]}})", raw<float>({1, 2, 3, 4}));
  expect_input_error([&] { SafetensorsFile{path}; }, "points past the end");
}

TEST(Safetensors, SizeThatDisagreesWithShapeIsRejected) {
  const auto path = write_file(R"({"f":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", raw<float>({1, 2, 3, 4}));
  expect_input_error([&] { SafetensorsFile{path}; }, "need 12");
}

TEST(Safetensors, HeaderLengthBeyondFileIsRejected) {
  const auto path = write_file(R"({})", "");
  std::fstream patch(path, std::ios::in | std::ios::out | std::ios::binary);
  patch.put('\xff');
  patch.close();
  expect_input_error([&] { SafetensorsFile{path}; }, "truncated");
}

TEST(Safetensors, WrongDtypeIsRejected) {
  const auto unknown = write_file(R"({"q":{"dtype":"Q4_0","shape":[2],"data_offsets":[0,2]}})", "ab");
  expect_input_error([&] { SafetensorsFile{unknown}; }, "unsupported dtype 'Q4_0'");
  const SafetensorsFile ints(
      write_file(R"({"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", raw<std::int64_t>({7})));
  EXPECT_EQ(ints.int64s("i"), (std::vector<std::int64_t>{7}));
  expect_input_error([&] { (void)ints.floats("i"); }, "expected a floating-point dtype");
}

TEST(Safetensors, MissingTensorIsNamed) {
  const SafetensorsFile file(write_file(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", raw<float>({1})));
  expect_input_error([&] { (void)file.floats("model.diffusion_model.out.2.weight"); },
                     "tensor 'model.diffusion_model.out.2.weight' is missing");
}

TEST(Safetensors, MalformedHeadersAreRejected) {
  expect_input_error([&] { SafetensorsFile{write_file("{not json", "")}; }, "not valid JSON");
  expect_input_error([&] { SafetensorsFile{write_file("[1,2]", "")}; }, "not a JSON object");
  expect_input_error(
      [&] { SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", "")}; },
      "non-negative");
  expect_input_error(
      [&] { SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "abcd")}; },
      "points past the end");
}

// Issue 17 item 8: two entries sharing bytes were accepted, so one tensor's data could be read as
// another's. Each tensor must own its range; empty tensors own none.
TEST(Safetensors, OverlappingAliasedOrRepeatedTensorsAreRejected) {
  const std::string data = raw<float>({1, 2, 3, 4});
  expect_input_error(
      [&] {
        SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                   data)};
      },
      "tensors 'a' [0, 8) and 'b' [4, 12) share bytes");
  expect_input_error(
      [&] {
        SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                   data)};
      },
      "share bytes");
  expect_input_error(
      [&] {
        SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                   R"("b":{"dtype":"F16","shape":[2],"data_offsets":[6,10]}})",
                                   data)};
      },
      "tensors 'a' [0, 16) and 'b' [6, 10) share bytes");
  expect_input_error(
      [&] {
        SafetensorsFile{write_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                   data)};
      },
      "repeats the key \"a\"");
  // Adjacent ranges, an empty tensor anywhere, and unused bytes between ranges are fine.
  const SafetensorsFile file(write_file(
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
      data));
  EXPECT_EQ(file.floats("c"), (std::vector<float>{4}));
  // The header alone (what the model-config fuzz target reads) is checked the same way.
  expect_input_error(
      [] {
        parse_safetensors_header(
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            16, "h");
      },
      "share bytes");
}

}  // namespace
}  // namespace easel::diffusion
