#pragma once
// The operations reference in Markdown, written from the registry (`easel ops --markdown`): docs/ops.md
// carries it between its "generated" markers, and a test keeps the two equal, so the docs never list
// an operation, parameter or limit the registry does not have.
#include <string>

namespace easel::cli {

std::string ops_reference_markdown();

}  // namespace easel::cli
