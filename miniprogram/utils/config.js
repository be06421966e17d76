// Where the API is. Set to the deployed server (its domain must be in the mini-program's
// request and uploadFile domain lists).
module.exports = {
  BASE_URL: 'https://minyi.example.cn/api/v1',
};
