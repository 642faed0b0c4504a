#pragma once
// Options every image-writing command shares, and the write path that honours them: encode with
// metadata, write the report, then the image, each atomically, so a failure leaves no output file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/run/render_state.hpp"

namespace easel::cli {

struct OutputOptions {
  std::filesystem::path output;
  std::filesystem::path report;
  std::string format;  // empty: from the output's extension
  int quality = 92;
  int png_compression = 6;
  bool json = false;  // print a JSON summary on stdout
  double max_megapixels = 40;
  double max_file_megabytes = 50;

  void declare(CLI::App& command, bool output_required);
  DecodeLimits limits() const;
  // Checks format/extension agreement before any work starts; throws Error(usage).
  EncodeOptions encode_options() const;
};

// Writes the report (when asked) and the image; prints where they are (or a JSON summary).
void write_result(const OutputOptions& options, const Image& image, const OutputMetadata& metadata,
                  nlohmann::json report);

// A render that ran but failed verification (a typeset string does not read back in the output, a
// preserved pixel changed): exit status 7 (docs/cli.md).
class VerificationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
inline constexpr int kVerificationFailedStatus = 7;

// For a report whose verification.ok is false: writes only the report (when asked, or on stdout with
// --json), so the failure can be read, and throws VerificationFailed saying what failed; no image is
// written (DESIGN: an output file exists only if the command succeeded).
[[noreturn]] void refuse_unverified(const OutputOptions& options, const nlohmann::json& report);

}  // namespace easel::cli
