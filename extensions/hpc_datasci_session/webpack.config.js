// The same build in any directory: module ids by order, not by a hash of
// paths (the federation container's id would hash the checkout's path).
module.exports = {
  optimization: {
    moduleIds: 'natural'
  }
};
