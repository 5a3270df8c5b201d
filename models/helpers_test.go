package models_test

import (
	"errors"

	"kith/models"
)

func asDomain(err error, target **models.Error) bool { return errors.As(err, target) }
