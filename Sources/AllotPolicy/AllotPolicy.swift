import AllotModel
